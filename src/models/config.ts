/**
 * `deliberate.config.yaml`: named models, endpoint pools, per-token prices and defaults.
 * Validated with zod; errors name the offending path and its line in the file.
 *
 * ```yaml
 * models:
 *   small:
 *     gguf: ./models/qwen2.5-0.5b-instruct-q4_k_m.gguf   # a path, an hf:org/repo:QUANT URI or builtin:NAME
 *     threads: 2
 *   mine:
 *     gguf: ./runs/sft/model.gguf
 *     rawPrompt: true              # trained without a chat template
 *   tiny: builtin:tiny-reasoner    # a model spec string, as `--model` takes
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
import { strictObject } from "../strict-object.ts";
import { unknownBuiltinModel } from "./builtin.ts";
import { builtinName, type ModelSpec, parseModelSpec, splitRawPrefix } from "./model-spec.ts";
import {
  exactlyOneBaseURL,
  exactlyOneBaseURLMessage,
  openAIEndpointFields,
} from "./openai/openai-backend-options.ts";

const price = strictObject({
  /** Cost per million prompt tokens. */
  prompt: z.number().nonnegative(),
  /** Cost per million completion tokens. */
  completion: z.number().nonnegative(),
});

/**
 * Send raw prompts (`question + "\n"`) instead of chat messages: models trained without a chat
 * template, such as `deliberate train`'s. Default false; true for `builtin:` models.
 */
const rawPrompt = z.boolean().optional();

/** Where llama.cpp loads a model from: a `.gguf` path, `hf:org/repo:QUANT`, or `builtin:NAME`. */
const ggufSource = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    const name = builtinName(source);
    const unknown = name === undefined ? undefined : unknownBuiltinModel(name);
    if (unknown !== undefined) ctx.addIssue({ code: "custom", message: unknown });
  });

const llamaModel = strictObject({
  gguf: ggufSource,
  /** llama.cpp threads; default the command's `--threads`, else chosen from the model's size. */
  threads: z.number().int().positive().optional(),
  /** Tokens per sequence (prompt + completion), >= 16 (llama.cpp's floor); `--context-size` overrides it. */
  contextSize: z.number().int().min(16).optional(),
  gpu: z.boolean().optional(),
  price: price.optional(),
  rawPrompt,
});

const openaiModel = strictObject({
  // The backend's own option schema, cut to what a file may set.
  openai: strictObject({
    ...openAIEndpointFields.shape,
    /** Name of the environment variable holding the API key (keys never live in the file). */
    apiKeyEnv: z.string().optional(),
  }).refine(exactlyOneBaseURL, exactlyOneBaseURLMessage),
  price: price.optional(),
  /** Raw prompts go to the endpoint's `/v1/completions`. */
  rawPrompt,
});

const aiSdkModel = strictObject({
  /** Any AI SDK provider package installed beside deliberate, and one of its models. */
  aiSdk: strictObject({
    /** The provider package, e.g. `@ai-sdk/openai` or `@ai-sdk/openai-compatible`. */
    package: z.string().min(1),
    /** Its provider factory export, e.g. `createOpenAI`. Default: its one `create…` export. */
    factory: z.string().min(1).optional(),
    /** Settings for the factory (`baseURL`, `headers`, `name`…); never keys: see `apiKeyEnv`. */
    settings: z.record(z.string(), z.unknown()).optional(),
    /** Name of the environment variable holding the API key, passed as the factory's `apiKey`. */
    apiKeyEnv: z.string().optional(),
    /** The model id, e.g. `gpt-4o-mini`. */
    model: z.string().min(1),
  }),
  price: price.optional(),
  rawPrompt: z.literal(false).optional(),
});

/**
 * A model entry written as one spec string, as on the command line: `tiny: builtin:tiny-reasoner`,
 * `mine: raw:runs/sft/model.gguf`, `qwen: hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M`,
 * `big: openai:qwen2.5-32b@http://10.0.0.5:8000/v1` — the object form it stands for.
 */
const specShorthand = z
  .string()
  .transform((text, ctx): z.input<typeof llamaModel> | z.input<typeof openaiModel> => {
    const { spec, raw } = splitRawPrefix(text);
    const extra = raw ? { rawPrompt: true } : {};
    // `gguf`'s own rule checks a builtin name (with did-you-mean); no file lookup at parse time.
    if (builtinName(spec) !== undefined) return { gguf: spec, ...extra };
    let parsed: ModelSpec | undefined;
    try {
      parsed = parseModelSpec(spec);
    } catch (error) {
      // A malformed openai: or hf: spec says what is wrong with it; anything else is no spec at all.
      if (DeliberateError.isInstance(error) && error.code === "BAD_REQUEST") {
        ctx.addIssue({ code: "custom", message: error.message });
        return z.NEVER;
      }
    }
    switch (parsed?.kind) {
      case "gguf":
        return { gguf: parsed.path, ...extra };
      case "hf":
        return { gguf: parsed.uri, ...extra };
      case "openai":
        return { openai: { model: parsed.model, baseURL: parsed.baseURL }, ...extra };
      default:
        ctx.addIssue({
          code: "custom",
          message: `\`${text}\` is not a model spec: write a .gguf path, builtin:NAME, hf:org/repo:QUANT or openai:MODEL@BASE_URL (raw: before any of them for raw prompts), or an object with \`gguf\` or \`openai\``,
        });
        return z.NEVER;
    }
  })
  .pipe(z.union([llamaModel, openaiModel]));

export const modelConfigSchema = z.union([specShorthand, llamaModel, openaiModel, aiSdkModel]);

export const configSchema = strictObject({
  models: z
    .record(
      z.string().regex(/^[\w.-]+$/, "model names use letters, digits, `_`, `.`, `-`"),
      modelConfigSchema,
    )
    .default({}),
  defaults: strictObject({
    strategy: z.string().optional(),
    model: z.string().optional(),
    threads: z.number().int().positive().optional(),
  }).default({}),
  server: strictObject({
    apiKeys: z.array(z.string().min(8)).optional(),
    host: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
  }).optional(),
});

export type DeliberateConfig = z.infer<typeof configSchema>;
export type ModelConfig = z.infer<typeof modelConfigSchema>;

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
  const data: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(data);
  if (parsed.success) return parsed.data;

  const issue = modelEntryIssue(parsed.error.issues[0]!, data);
  const path = pathInFile(issue.path, data);
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

type Issue = z.core.$ZodIssue;

/**
 * What to report when a model entry matched none of its forms (zod says only "Invalid input"): the
 * form its shape meant — a string the spec's, an object with `openai` the endpoint's, else the
 * llama model's — preferring an unknown key, which explains a missing one (`ggu` → `gguf`).
 */
function modelEntryIssue(issue: Issue, data: unknown): Issue {
  if (issue.code !== "invalid_union") return issue;
  const value = valueAt(data, issue.path);
  const custom = (message: string): Issue => ({ code: "custom", path: issue.path, message, input: value });
  if (typeof value !== "string" && !isRecord(value)) {
    return custom(
      "a model is one spec string (a .gguf path, builtin:NAME, hf:org/repo:QUANT or openai:MODEL@BASE_URL) or an object with `gguf` or `openai`",
    );
  }
  // The branches: [spec string, llama model, openai model].
  const branch = typeof value === "string" ? 0 : "openai" in value ? 2 : 1;
  const inner = issue.errors[branch] ?? [];
  const unknownKey = inner.find((i) => i.code === "unrecognized_keys");
  if (isRecord(value) && !("gguf" in value) && !("openai" in value) && unknownKey === undefined) {
    return custom("needs `gguf` (a .gguf path, hf:org/repo:QUANT or builtin:NAME) or `openai`");
  }
  const chosen = unknownKey ?? inner[0];
  return chosen ? { ...chosen, path: [...issue.path, ...chosen.path] } : issue;
}

/**
 * The part of an issue's path the file spells: a spec-string entry (`tiny: builtin:nope`) is checked
 * as the object it stands for, whose keys (`gguf`) are not in the file.
 */
function pathInFile(path: readonly PropertyKey[], data: unknown): string[] {
  const shown: string[] = [];
  let value = data;
  for (const key of path) {
    if (typeof value === "string") break;
    shown.push(String(key));
    value =
      isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return shown;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) value = isRecord(value) ? value[key] : undefined;
  return value;
}

function isRecord(value: unknown): value is Record<PropertyKey, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
