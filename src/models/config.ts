/**
 * `deliberate.config.yaml`: named models, endpoint pools, per-token prices and defaults.
 * Validated with zod; errors name the offending path and its line in the file.
 *
 * ```yaml
 * models:
 *   small:
 *     gguf: ./models/qwen2.5-0.5b-instruct-q4_k_m.gguf   # a path or an hf:org/repo:QUANT URI
 *     threads: 2
 *   large:
 *     openai:
 *       model: qwen2.5-32b-instruct
 *       baseURLs: [http://10.0.0.5:8000/v1, http://10.0.0.6:8000/v1]
 *       apiKeyEnv: VLLM_API_KEY
 *     price: { prompt: 0.2, completion: 0.6 }   # per million tokens
 * defaults:
 *   strategy: self-consistency
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isMap, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { DeliberateError } from "../errors.ts";

const price = z
  .object({
    /** Cost per million prompt tokens. */
    prompt: z.number().nonnegative(),
    /** Cost per million completion tokens. */
    completion: z.number().nonnegative(),
  })
  .strict();

const llamaModel = z
  .object({
    gguf: z.string().min(1),
    threads: z.number().int().positive().optional(),
    contextSize: z.number().int().positive().optional(),
    gpu: z.boolean().optional(),
    price: price.optional(),
  })
  .strict();

const openaiModel = z
  .object({
    openai: z
      .object({
        model: z.string().min(1),
        baseURL: z.string().url().optional(),
        baseURLs: z.array(z.string().url()).min(1).optional(),
        /** Name of the environment variable holding the API key (keys never live in the file). */
        apiKeyEnv: z.string().optional(),
        timeoutMs: z.number().int().positive().optional(),
        maxRetries: z.number().int().nonnegative().optional(),
        maxInFlightPerEndpoint: z.number().int().positive().optional(),
      })
      .strict()
      .refine((o) => o.baseURL !== undefined || o.baseURLs !== undefined, {
        message: "needs `baseURL` or `baseURLs`",
      }),
    price: price.optional(),
  })
  .strict();

export const modelConfigSchema = z.union([llamaModel, openaiModel]);

export const configSchema = z
  .object({
    models: z
      .record(
        z.string().regex(/^[\w.-]+$/, "model names use letters, digits, `_`, `.`, `-`"),
        modelConfigSchema,
      )
      .default({}),
    defaults: z
      .object({
        strategy: z.string().optional(),
        model: z.string().optional(),
        threads: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
    server: z
      .object({
        apiKeys: z.array(z.string().min(8)).optional(),
        host: z.string().optional(),
        port: z.number().int().min(0).max(65535).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type DeliberateConfig = z.infer<typeof configSchema>;
export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type Price = z.infer<typeof price>;

export const CONFIG_FILE = "deliberate.config.yaml";

/** Parses config text; `source` names the file in error messages. */
export function parseConfig(text: string, source = CONFIG_FILE): DeliberateConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    throw new DeliberateError("CONFIG", `${source}:${line}:${col}: ${syntax.message.split("\n")[0]}`);
  }
  const parsed = configSchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;

  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String);
  // An unknown key is best pointed at by its own line.
  const lookup = issue.code === "unrecognized_keys" ? [...path, issue.keys[0]!] : path;
  // Walk up the path until a node exists (a missing key points at its parent) to find a line.
  let line: number | undefined;
  for (let depth = lookup.length; depth >= 0 && line === undefined; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(lookup.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range && (depth > 0 || isMap(node))) line = lineCounter.linePos(range[0]).line;
  }
  const where = path.length > 0 ? `\`${path.join(".")}\`` : "the file";
  const at = line === undefined ? source : `${source}:${line}`;
  throw new DeliberateError("CONFIG", `${at}: ${where}: ${issue.message}`, { param: path.join(".") });
}

/**
 * Loads the config from `path`, or from `./deliberate.config.yaml` when it exists; an empty config otherwise.
 */
export function loadConfig(path?: string): DeliberateConfig {
  const file = resolve(path ?? CONFIG_FILE);
  if (!existsSync(file)) {
    if (path !== undefined) throw new DeliberateError("CONFIG", `config file not found: ${file}`);
    return configSchema.parse({});
  }
  return parseConfig(readFileSync(file, "utf8"), path ?? CONFIG_FILE);
}
