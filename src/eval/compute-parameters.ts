/**
 * Each eval model's parameter count, for model FLOPs (2 × parameters × tokens): a count the plan
 * gives (`parameters:` / `--parameters SPEC=N`) first; else, for a model llama.cpp loads, every
 * weight of every tensor in its GGUF file (embeddings and output included: the count
 * `deliberate models inspect` prints and the builtin manifest lists); else unknown. Models served
 * over HTTP (`openai:`, configured endpoints, AI SDK providers) do not say their size, so their
 * count is unknown unless given, and their cells' FLOPs are reported unknown, never guessed.
 */
import { DeliberateError } from "../errors.ts";
import type { DeliberateConfig } from "../models/config.ts";
import { readGgufMetadata } from "../models/gguf/read-gguf-metadata.ts";
import { resolveGgufPath } from "../models/llama/resolve-gguf-path.ts";
import { ggufSource, parseModelSpec } from "../models/model-spec.ts";

export interface ModelParametersOptions {
  /** The config the plan's model specs resolve against. */
  config: DeliberateConfig;
  /** Counts by spec as written in the plan; they win over a file's. */
  given?: Readonly<Record<string, number>>;
}

/** Weights in a GGUF file: the product of each tensor's dims, summed (header only; no weights read). */
export async function ggufParameterCount(path: string): Promise<number> {
  const info = await readGgufMetadata(path);
  return info.tensors.reduce((sum, tensor) => sum + tensor.shape.reduce((p, d) => p * d, 1), 0);
}

/** The parameter count of the model `spec` names, or undefined when nothing says it. */
export async function modelParameters(
  spec: string,
  { config, given = {} }: ModelParametersOptions,
): Promise<number | undefined> {
  if (Object.hasOwn(given, spec)) return given[spec];
  const parsed = parseModelSpec(spec, config);
  switch (parsed.kind) {
    case "gguf":
    case "builtin":
      return ggufParameterCount(parsed.path);
    case "hf":
      // Its backend downloaded it already: this finds it in the models cache.
      return ggufParameterCount(await resolveGgufPath(parsed.uri, { progress: false }));
    case "configured":
      return "gguf" in parsed.config
        ? ggufParameterCount(await resolveGgufPath(ggufSource(parsed.config.gguf), { progress: false }))
        : undefined;
    case "openai":
      return undefined;
    default:
      return parsed satisfies never;
  }
}

/**
 * A plan's `parameters` keys that name none of its models: a typo would otherwise leave a model's
 * count silently unknown. Throws `BAD_REQUEST` naming the key and the specs there are.
 */
export function checkGivenParameters(given: Readonly<Record<string, number>>, specs: Iterable<string>): void {
  const known = new Set(specs);
  const stray = Object.keys(given).find((spec) => !known.has(spec));
  if (stray === undefined) return;
  throw new DeliberateError(
    "BAD_REQUEST",
    `\`parameters\` gives a count for \`${stray}\`, which is none of the plan's models (${[...known].map((s) => `\`${s}\``).join(", ")}); key counts by the model spec as written`,
    { param: "parameters" },
  );
}
