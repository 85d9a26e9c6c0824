import { DeliberateError } from "../errors.ts";
import { builtinModelPath } from "./builtin.ts";
import type { DeliberateConfig, ModelConfig } from "./config.ts";

/** What a `--model` string names, resolved against the config. */
export type ModelSpec =
  | { kind: "configured"; name: string; config: ModelConfig }
  | { kind: "gguf"; name: string; path: string }
  /** A lab reference model under `models/`: a GGUF that takes raw prompts. */
  | { kind: "builtin"; name: string; path: string }
  | { kind: "hf"; name: string; uri: string }
  | { kind: "openai"; name: string; model: string; baseURL: string };

/**
 * Parses a model spec, in this order:
 * - a name from the config's `models` (`small`)
 * - `builtin:NAME`, the lab's reference models (`builtin:tiny-reasoner`)
 * - `openai:MODEL@BASE_URL` (`openai:qwen2.5-7b@http://127.0.0.1:8000/v1`)
 * - `hf:org/repo:QUANT` or `hf:org/repo/file.gguf` (downloaded into the models cache)
 * - a path ending in `.gguf`
 */
export function parseModelSpec(spec: string, config?: DeliberateConfig): ModelSpec {
  const trimmed = spec.trim();
  if (trimmed === "") throw new DeliberateError("BAD_REQUEST", "`--model` is empty", { param: "model" });

  const configured = config?.models[trimmed];
  if (configured) return { kind: "configured", name: trimmed, config: configured };

  if (trimmed.startsWith("builtin:")) {
    const name = trimmed.slice("builtin:".length);
    return { kind: "builtin", name, path: builtinModelPath(name) };
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
    return { kind: "openai", name: model, model, baseURL };
  }

  if (trimmed.startsWith("hf:")) {
    if (!/^hf:[\w.-]+\/[\w.-]+([:/].+)?$/.test(trimmed)) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `\`${spec}\` is not a valid Hugging Face URI: use hf:org/repo:QUANT or hf:org/repo/file.gguf`,
        { param: "model" },
      );
    }
    return { kind: "hf", name: trimmed.slice(3), uri: trimmed };
  }

  if (trimmed.toLowerCase().endsWith(".gguf")) {
    const file = trimmed.split(/[\\/]/).pop()!;
    return { kind: "gguf", name: file.replace(/\.gguf$/i, ""), path: trimmed };
  }

  const known = Object.keys(config?.models ?? {});
  const hint = known.length > 0 ? ` Configured models: ${known.join(", ")}.` : "";
  throw new DeliberateError(
    "MODEL_NOT_FOUND",
    `unknown model \`${spec}\`: not a configured name, a .gguf path, builtin:NAME, an hf: URI or openai:MODEL@BASE_URL.${hint}`,
    { param: "model" },
  );
}
