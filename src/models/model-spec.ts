import { DeliberateError } from "../errors.ts";
import { builtinModelPath } from "./builtin.ts";
import type { DeliberateConfig, ModelConfig } from "./config.ts";

/** What every model spec carries besides its source. */
interface SpecBase {
  /** The name the server lists and traces show. */
  name: string;
  /**
   * Whether the model takes raw prompts: chat requests become `question + "\n"` (the format of models
   * trained without a chat template, such as `deliberate train`'s). From a `raw:` prefix, a configured
   * model's `rawPrompt`, or the model itself (builtin models).
   */
  rawPrompt: boolean;
}

/** What a `--model` string names, resolved against the config. */
export type ModelSpec = SpecBase &
  (
    | { kind: "configured"; config: ModelConfig }
    | { kind: "gguf"; path: string }
    /** A lab reference model under `models/`: a GGUF that takes raw prompts. */
    | { kind: "builtin"; path: string }
    | { kind: "hf"; uri: string }
    | { kind: "openai"; model: string; baseURL: string }
  );

/** The prefix that makes any model spec take raw prompts: `raw:runs/sft/model.gguf`. */
const RAW_PREFIX = "raw:";

/** `raw:SPEC` → `{ spec: SPEC, raw: true }`; any other spec as it is. */
export function splitRawPrefix(spec: string): { spec: string; raw: boolean } {
  const trimmed = spec.trim();
  return trimmed.startsWith(RAW_PREFIX)
    ? { spec: trimmed.slice(RAW_PREFIX.length).trim(), raw: true }
    : { spec: trimmed, raw: false };
}

/** `builtin:NAME` → NAME, else undefined. */
export function builtinName(spec: string): string | undefined {
  return spec.startsWith("builtin:") ? spec.slice("builtin:".length) : undefined;
}

/**
 * Parses a model spec, in this order:
 * - `raw:SPEC`: SPEC, sent raw prompts (`raw:runs/sft/model.gguf`, `raw:small`)
 * - a name from the config's `models` (`small`)
 * - `builtin:NAME`, the lab's reference models (`builtin:tiny-reasoner`; raw prompts)
 * - `openai:MODEL@BASE_URL` (`openai:qwen2.5-7b@http://127.0.0.1:8000/v1`)
 * - `hf:org/repo:QUANT` or `hf:org/repo/file.gguf` (downloaded into the models cache)
 * - a path ending in `.gguf`
 */
export function parseModelSpec(spec: string, config?: DeliberateConfig): ModelSpec {
  const { spec: trimmed, raw } = splitRawPrefix(spec);
  if (trimmed === "") throw new DeliberateError("BAD_REQUEST", "`--model` is empty", { param: "model" });

  const configured = config?.models[trimmed];
  if (configured) {
    return {
      kind: "configured",
      name: trimmed,
      config: configured,
      rawPrompt: raw || configuredRawPrompt(configured),
    };
  }

  const builtin = builtinName(trimmed);
  if (builtin !== undefined) {
    return { kind: "builtin", name: builtin, path: builtinModelPath(builtin), rawPrompt: true };
  }

  if (trimmed.startsWith("openai:")) {
    const rest = trimmed.slice("openai:".length);
    const at = rest.indexOf("@");
    const model = at > 0 ? rest.slice(0, at) : "";
    const baseURL = at > 0 ? rest.slice(at + 1) : "";
    if (!model || !/^https?:\/\//.test(baseURL)) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `\`${spec}\` is not a valid OpenAI model spec: use openai:MODEL@BASE_URL, e.g. openai:qwen2.5-7b@http://127.0.0.1:8000/v1`,
        { param: "model" },
      );
    }
    return { kind: "openai", name: model, model, baseURL, rawPrompt: raw };
  }

  if (trimmed.startsWith("hf:")) {
    if (!/^hf:[\w.-]+\/[\w.-]+([:/].+)?$/.test(trimmed)) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `\`${spec}\` is not a valid Hugging Face URI: use hf:org/repo:QUANT or hf:org/repo/file.gguf`,
        { param: "model" },
      );
    }
    return { kind: "hf", name: trimmed.slice(3), uri: trimmed, rawPrompt: raw };
  }

  if (trimmed.toLowerCase().endsWith(".gguf")) {
    const file = trimmed.split(/[\\/]/).pop()!;
    return { kind: "gguf", name: file.replace(/\.gguf$/i, ""), path: trimmed, rawPrompt: raw };
  }

  const known = Object.keys(config?.models ?? {});
  const hint = known.length > 0 ? ` Configured models: ${known.join(", ")}.` : "";
  throw new DeliberateError(
    "MODEL_NOT_FOUND",
    `unknown model \`${spec}\`: not a configured name, a .gguf path, builtin:NAME, an hf: URI or openai:MODEL@BASE_URL (any of them with a raw: prefix for raw prompts).${hint}`,
    { param: "model" },
  );
}

/** What llama.cpp loads for a configured `gguf`: a builtin model's file, else the path or hf: URI as written. */
export function ggufSource(gguf: string): string {
  const builtin = builtinName(gguf);
  return builtin === undefined ? gguf : builtinModelPath(builtin);
}

/** A configured model's raw-prompt setting: its `rawPrompt`, else true for builtin models only. */
export function configuredRawPrompt(model: ModelConfig): boolean {
  if (model.rawPrompt !== undefined) return model.rawPrompt;
  return "gguf" in model && builtinName(model.gguf) !== undefined;
}
