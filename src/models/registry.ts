/**
 * Model specs and the config → backends. A `ModelRegistry` creates each backend once per spec, hands
 * the same instance to every caller (models and contexts are pooled), and closes them all on shutdown.
 */
import { DeliberateError } from "../errors.ts";
import { type DeliberateConfig, loadConfig } from "./config.ts";
import { createLlamaBackend } from "./llama/llama-backend.ts";
import { ggufSource, type ModelSpec, parseModelSpec } from "./model-spec.ts";
import { createOpenAIBackend } from "./openai/openai-backend.ts";
import type { SlotLimiter } from "./openai/slot-limiter.ts";
import { type Prices, perToken } from "./pricing.ts";
import { RawQuestionBackend } from "./raw-question-backend.ts";
import type { ModelBackend } from "./types.ts";

export interface ResolveModelOptions {
  /** The parsed config; default: `./deliberate.config.yaml` when present. */
  config?: DeliberateConfig;
  /** llama.cpp threads when neither the spec's config nor `defaults.threads` says. */
  threads?: number;
  /**
   * Tokens per sequence (prompt + completion) for llama.cpp models, >= 16; overrides a configured
   * model's `contextSize`. Default: the config's, else min(4096, the model's trained context).
   */
  contextSize?: number;
  /** Cache folder for `hf:` downloads. */
  modelsDir?: string;
  /** API key for `openai:` specs (configured models name an env variable instead). */
  apiKey?: string;
  /** Shared in-flight limits for every OpenAI-compatible backend (distributed workers). Default none. */
  slotLimiter?: SlotLimiter;
}

/** Creates the backend a spec names. Each call creates a new backend; use `ModelRegistry` to share them. */
export async function resolveModel(spec: string, options: ResolveModelOptions = {}): Promise<ModelBackend> {
  const config = options.config ?? loadConfig();
  return createBackend(parseModelSpec(spec, config), config, options);
}

/** The spec's backend, behind a `RawQuestionBackend` when the model takes raw prompts. */
async function createBackend(
  spec: ModelSpec,
  config: DeliberateConfig,
  options: ResolveModelOptions,
): Promise<ModelBackend> {
  const backend = await createSourceBackend(spec, config, options);
  return spec.rawPrompt ? new RawQuestionBackend(backend) : backend;
}

async function createSourceBackend(
  spec: ModelSpec,
  config: DeliberateConfig,
  options: ResolveModelOptions,
): Promise<ModelBackend> {
  const threads = options.threads ?? config.defaults.threads;
  const { contextSize, modelsDir, slotLimiter } = options;
  switch (spec.kind) {
    case "gguf":
    case "builtin":
      return createLlamaBackend({ model: spec.path, threads, contextSize });
    case "hf":
      return createLlamaBackend({ model: spec.uri, threads, contextSize, modelsDir });
    case "openai":
      return createOpenAIBackend({
        model: spec.model,
        baseURL: spec.baseURL,
        apiKey: options.apiKey,
        slotLimiter,
      });
    case "configured": {
      const model = spec.config;
      if ("gguf" in model) {
        return createLlamaBackend({
          model: ggufSource(model.gguf),
          threads: model.threads ?? threads,
          contextSize: contextSize ?? model.contextSize,
          gpu: model.gpu ? "auto" : false,
          modelsDir,
        });
      }
      if ("aiSdk" in model) {
        // Imported on first use: the AI SDK is an optional dependency.
        const { aiSdkBackendFromConfig } = await import("./ai-sdk/from-config.ts");
        return aiSdkBackendFromConfig(spec.name, model.aiSdk);
      }
      const { apiKeyEnv, ...endpoint } = model.openai;
      const apiKey = apiKeyEnv === undefined ? undefined : process.env[apiKeyEnv];
      if (apiKeyEnv !== undefined && !apiKey) {
        throw new DeliberateError(
          "CONFIG",
          `model \`${spec.name}\` reads its API key from $${apiKeyEnv}, which is not set`,
          { param: `models.${spec.name}.openai.apiKeyEnv` },
        );
      }
      return createOpenAIBackend({ ...endpoint, apiKey, id: `openai:${spec.name}`, slotLimiter });
    }
    default:
      return spec satisfies never;
  }
}

/**
 * Shares one backend per spec and closes them all at the end. A configured model's `price` is
 * attached to the backend built for it: `prices(backend.id)`.
 */
export class ModelRegistry {
  private readonly backends = new Map<string, Promise<ModelBackend>>();
  private readonly pricesById = new Map<string, Prices>();
  readonly config: DeliberateConfig;

  constructor(private readonly options: ResolveModelOptions = {}) {
    this.config = options.config ?? loadConfig();
  }

  /** The backend for `spec`, created on first use. A failed creation is not cached. */
  get(spec: string): Promise<ModelBackend> {
    const key = spec.trim();
    let backend = this.backends.get(key);
    if (!backend) {
      const spec = parseModelSpec(key, this.config);
      const price = spec.kind === "configured" ? spec.config.price : undefined;
      backend = createBackend(spec, this.config, this.options).then((created) => {
        if (price) this.pricesById.set(created.id, perToken(price));
        return created;
      });
      this.backends.set(key, backend);
      backend.catch(() => this.backends.delete(key));
    }
    return backend;
  }

  /** Per-token prices of a backend this registry built (by its id), when its configured model has a `price`. */
  prices(backendId: string): Prices | undefined {
    return this.pricesById.get(backendId);
  }

  /** Names of the configured models. */
  configured(): string[] {
    return Object.keys(this.config.models);
  }

  async close(): Promise<void> {
    const all = [...this.backends.values()];
    this.backends.clear();
    await Promise.all(
      all.map(async (backend) =>
        (
          await backend.then(
            (b) => b,
            () => undefined,
          )
        )?.close(),
      ),
    );
  }
}
