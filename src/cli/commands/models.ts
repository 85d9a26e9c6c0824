/**
 * `deliberate models …`: model files and configured models. `models inspect FILE.gguf` prints a
 * GGUF's architecture, size, tokenizer and validation result, and exits 3 when llama.cpp should not
 * be given the file. (Listing configured and cached models is the bare `models` command, to be added
 * as this command's own `.action()`; subcommands stay as they are.)
 */
import { Command } from "commander";
import { DeliberateError } from "../../errors.ts";
import { type GgufInspection, inspectGguf } from "../../models/gguf/inspect-gguf.ts";

export function modelsCommand(): Command {
  return new Command("models").description("Inspect model files.").addCommand(inspectCommand());
}

function inspectCommand(): Command {
  return new Command("inspect")
    .description("Show a GGUF file's architecture, parameters, tensors, context, vocabulary and validity.")
    .argument("<file>", "a .gguf file")
    .option("--json", "print the inspection as JSON")
    .action(async (file: string, flags: { json?: boolean }) => {
      const inspection = await inspectGguf(file);
      process.stdout.write(
        flags.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatInspection(inspection),
      );
      const { validation } = inspection;
      if (!validation.ok)
        throw new DeliberateError(validation.code as DeliberateError["code"], validation.message);
    });
}

/** The human-readable form: one `label  value` line per fact. */
export function formatInspection(inspection: GgufInspection): string {
  const types = Object.entries(inspection.tensorTypes)
    .sort(([, a], [, b]) => b - a)
    .map(([type, n]) => `${type} × ${n}`)
    .join(", ");
  const shape = [
    inspection.layers !== undefined ? `${inspection.layers} layers` : undefined,
    inspection.embeddingLength !== undefined ? `embd ${inspection.embeddingLength}` : undefined,
    inspection.heads !== undefined ? `${inspection.heads} heads` : undefined,
  ].filter(Boolean);
  const rows: Array<[string, string]> = [
    ["file", `${inspection.path} (${formatBytes(inspection.fileSize)}, GGUF v${inspection.version})`],
    [
      "architecture",
      `${inspection.architecture ?? "unknown"}${inspection.name ? ` (${inspection.name})` : ""}`,
    ],
    [
      "parameters",
      `${formatCount(inspection.parameters)}${shape.length > 0 ? ` — ${shape.join(", ")}` : ""}`,
    ],
    ["tensors", `${inspection.tensorCount}${types ? ` (${types})` : ""}`],
    ["context", inspection.contextLength !== undefined ? `${inspection.contextLength} tokens` : "unknown"],
    [
      "vocabulary",
      inspection.vocabSize !== undefined
        ? `${inspection.vocabSize} tokens (${inspection.tokenizerModel ?? "unknown"} tokenizer)`
        : "none",
    ],
    ["chat template", inspection.hasChatTemplate ? "yes" : "no"],
    ["validation", inspection.validation.ok ? "ok" : `FAILED: ${inspection.validation.message}`],
  ];
  return `${rows.map(([label, value]) => `${label.padEnd(14)}${value}`).join("\n")}\n`;
}

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}
