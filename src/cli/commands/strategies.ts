/**
 * `deliberate strategies`: the registered strategies with their descriptions and options (from each
 * strategy's zod schema, so the list never drifts from what `solve` accepts).
 */
import { Command } from "commander";
import { describeStrategies } from "../../strategies/index.ts";

interface JsonSchemaProperty {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  anyOf?: JsonSchemaProperty[];
  oneOf?: JsonSchemaProperty[];
}

function typeOf(property: JsonSchemaProperty): string {
  if (property.enum) return property.enum.map((v) => JSON.stringify(v)).join(" | ");
  const union = property.anyOf ?? property.oneOf;
  if (union) return [...new Set(union.map(typeOf))].join(" | ");
  if (Array.isArray(property.type)) return property.type.join(" | ");
  return property.type ?? "any";
}

export function strategiesCommand(): Command {
  return new Command("strategies")
    .description("List the reasoning strategies and their options.")
    .option("--json", "print names, descriptions and options as JSON Schema")
    .action((flags: { json?: boolean }) => {
      const described = describeStrategies();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(described, null, 2)}\n`);
        return;
      }
      const lines: string[] = [];
      for (const { name, description, options } of described) {
        lines.push(`${name}\n  ${description}`);
        const properties = (options as { properties?: Record<string, JsonSchemaProperty> }).properties ?? {};
        for (const [option, property] of Object.entries(properties)) {
          const fallback =
            property.default === undefined ? "" : ` (default ${JSON.stringify(property.default)})`;
          lines.push(`    ${option}: ${typeOf(property)}${fallback}\n        ${property.description ?? ""}`);
        }
        lines.push("");
      }
      process.stdout.write(`${lines.join("\n")}`);
    });
}
