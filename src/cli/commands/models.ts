/**
 * `deliberate models …`: model files and configured models. `models inspect FILE.gguf` prints a
 * GGUF's architecture, size, tokenizer and validation result, and exits 3 when llama.cpp should not
 * be given the file. The bare `models` lists the builtin models, configured models and the GGUF files
 * in the download cache.
 */
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { DeliberateError } from "../../errors.ts";
import { builtinModels } from "../../models/builtin.ts";
import { type DeliberateConfig, loadConfig } from "../../models/config.ts";
import { type GgufInspection, inspectGguf } from "../../models/gguf/inspect-gguf.ts";
import { defaultModelsDir, resolveGgufPath } from "../../models/llama/resolve-gguf-path.ts";
import { configuredRawPrompt, ggufSource, parseModelSpec } from "../../models/model-spec.ts";

export function modelsCommand(): Command {
  return (
    new Command("models")
      .description("List configured and cached models; inspect model files.")
      // `models inspect F --json` is the subcommand's flag, not the listing's.
      .enablePositionalOptions()
      .option("--config <file>", "config file (default ./deliberate.config.yaml when present)")
      .option("--json", "print the list as JSON")
      .action(async (flags: { config?: string; json?: boolean }) => {
        const listing = await listModels(loadConfig(flags.config));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
          return;
        }
        const lines = [
          "builtin (the lab's reference models; raw prompts):",
          ...listing.builtin.map(
            (m) =>
              `  builtin:${m.name.padEnd(24)} ${m.role.padEnd(9)} ${formatCount(m.parameters)} parameters`,
          ),
          "configured:",
          ...(listing.configured.length > 0
            ? listing.configured.map(
                (m) =>
                  `  ${m.name.padEnd(24)} ${m.kind.padEnd(7)} ${m.source}${m.rawPrompt ? " (raw prompts)" : ""}`,
              )
            : ["  (none: add models to deliberate.config.yaml)"]),
          `cached (${listing.cacheDir}):`,
          ...(listing.cached.length > 0
            ? listing.cached.map((m) => `  ${m.file.padEnd(48)} ${formatBytes(m.bytes)}`)
            : ["  (none)"]),
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
      })
      .addCommand(inspectCommand())
  );
}

export interface ModelListing {
  builtin: Array<{ name: string; role: string; parameters: number; description: string }>;
  /** `source`: the GGUF (path, hf: URI or builtin:NAME) or the endpoint; `rawPrompt`: sent raw prompts. */
  configured: Array<{ name: string; kind: "gguf" | "openai" | "ai-sdk"; source: string; rawPrompt: boolean }>;
  cacheDir: string;
  cached: Array<{ file: string; path: string; bytes: number }>;
}

/** Builtin models, configured models (from the config) and GGUF files in the download cache. */
export async function listModels(config: DeliberateConfig): Promise<ModelListing> {
  const configured = Object.entries(config.models).map(([name, model]) => ({
    name,
    ...("gguf" in model
      ? { kind: "gguf" as const, source: model.gguf }
      : "aiSdk" in model
        ? { kind: "ai-sdk" as const, source: `${model.aiSdk.model} @ ${model.aiSdk.package}` }
        : {
            kind: "openai" as const,
            source: `${model.openai.model} @ ${(model.openai.baseURLs ?? [model.openai.baseURL]).join(", ")}`,
          }),
    rawPrompt: configuredRawPrompt(model),
  }));
  const cacheDir = defaultModelsDir();
  const files = await readdir(cacheDir, { recursive: true }).catch(() => [] as string[]);
  const cached = await Promise.all(
    files
      .filter((file) => file.toLowerCase().endsWith(".gguf"))
      .sort()
      .map(async (file) => {
        const path = join(cacheDir, file);
        return { file, path, bytes: (await stat(path)).size };
      }),
  );
  const builtin = builtinModels().map(({ name, role, parameters, description }) => ({
    name,
    role,
    parameters,
    description,
  }));
  return { builtin, configured, cacheDir, cached };
}

function inspectCommand(): Command {
  return new Command("inspect")
    .description("Show a GGUF file's architecture, parameters, tensors, context, vocabulary and validity.")
    .argument("<model>", "a .gguf file, builtin:NAME, an hf: URI or a configured llama.cpp model")
    .option("--config <file>", "config file (default ./deliberate.config.yaml when present)")
    .option("--json", "print the inspection as JSON")
    .action(async (model: string, flags: { config?: string; json?: boolean }) => {
      const inspection = await inspectGguf(await ggufFileOf(model, flags.config));
      process.stdout.write(
        flags.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatInspection(inspection),
      );
      const { validation } = inspection;
      if (!validation.ok)
        throw new DeliberateError(validation.code as DeliberateError["code"], validation.message);
    });
}

/**
 * The local GGUF file a `models inspect` argument names: an existing file as it is (whatever its
 * name), else a model spec (`raw:` prefix or not) that llama.cpp loads from a file.
 */
export async function ggufFileOf(model: string, configFile?: string): Promise<string> {
  if (existsSync(model)) return model;
  const spec = parseModelSpec(model, loadConfig(configFile));
  switch (spec.kind) {
    case "gguf":
    case "builtin":
      return spec.path;
    case "hf":
      return resolveGgufPath(spec.uri);
    case "configured": {
      if ("gguf" in spec.config) return resolveGgufPath(ggufSource(spec.config.gguf));
      break;
    }
    case "openai":
      break;
    default:
      return spec satisfies never;
  }
  throw new DeliberateError(
    "BAD_REQUEST",
    `\`${model}\` is served over HTTP, not a GGUF file to inspect; give a .gguf path, builtin:NAME, an hf: URI or a configured llama.cpp model`,
    { param: "model" },
  );
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
    [
      "chat template",
      inspection.hasChatTemplate
        ? "yes"
        : "no (a model trained without one takes raw prompts: raw:SPEC, or rawPrompt: true in the config)",
    ],
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
