/**
 * `createDeliberate()`: an AI SDK provider whose models are deliberate's own backends (GGUF files
 * through llama.cpp, `builtin:` models, OpenAI-compatible endpoints, configured names) with the
 * strategy as part of the model. Because the backends are deliberate's, strategies that generic
 * providers cannot run work here: confidence-vote on llama.cpp's token logprobs, the reward
 * verifier's `score()`, step search with prefill.
 *
 * ```ts
 * const deliberate = createDeliberate();
 * const model = deliberate("builtin:tiny-reasoner", { strategy: "self-consistency", samples: 16 });
 * const { text, providerMetadata } = await generateText({ model, prompt: "Compute 7+5+9+3+8+6+2." });
 * await deliberate.close(); // frees the models it loaded
 * ```
 */
import type { LanguageModelV3, LanguageModelV3CallOptions, ProviderV3 } from "@ai-sdk/provider";
import { DeliberateError } from "../../errors.ts";
import { ModelRegistry, type ResolveModelOptions } from "../../models/registry.ts";
import { strategies, strategyDefinition, takesOption } from "../../strategies/registry.ts";
import type { Backends } from "../../strategies/types.ts";
import { generateWithStrategy } from "./generate-with-strategy.ts";
import type { StrategyRun } from "./prepare-run.ts";
import { streamWithStrategy } from "./stream-with-strategy.ts";

export interface DeliberateModelSettings extends Partial<StrategyRun> {
  /**
   * The strategy's `samples` option, for strategies that have one (`options.samples` wins). Default:
   * the strategy's.
   */
  samples?: number;
  /** Model spec of the `large` role (a cascade's escalation target). */
  large?: string;
  /** Model spec of the `verifier` role. Default: the policy judges. */
  verifier?: string;
}

export interface CreateDeliberateOptions extends ResolveModelOptions {
  /**
   * Resolves model specs and shares one backend per spec. Default: a registry of this provider's own
   * (built from `config` and the other options), closed by `close()`. A registry given here is the
   * caller's to close.
   */
  registry?: ModelRegistry;
}

export interface DeliberateProvider extends ProviderV3 {
  /** A model: `spec` names the policy model (as `--model` does), `settings` the strategy. */
  (spec: string, settings?: DeliberateModelSettings): LanguageModelV3;
  /** The same; `STRATEGY/SPEC` (`self-consistency/builtin:tiny-reasoner`) picks the strategy by id. */
  languageModel(modelId: string, settings?: DeliberateModelSettings): LanguageModelV3;
  /** Closes the backends this provider loaded (llama.cpp models, sockets). */
  close(): Promise<void>;
}

export function createDeliberate(options: CreateDeliberateOptions = {}): DeliberateProvider {
  const { registry: given, ...resolve } = options;
  const registry = given ?? new ModelRegistry(resolve);

  const languageModel = (modelId: string, settings: DeliberateModelSettings = {}): LanguageModelV3 => {
    const { spec, strategy } = splitStrategy(modelId);
    const { samples, large, verifier, ...run } = settings;
    const name = run.strategy ?? strategy ?? registry.config.defaults.strategy ?? "cot";
    const definition = typeof name === "string" ? strategyDefinition(name) : name;
    const strategyRun: StrategyRun = {
      ...run,
      strategy: definition,
      options: {
        ...(samples !== undefined && takesOption(definition.name, "samples") ? { samples } : {}),
        ...run.options,
      },
    };
    const backends = async (): Promise<Backends> => {
      const [policy, largeBackend, verifierBackend] = await Promise.all([
        registry.get(spec),
        large === undefined ? undefined : registry.get(large),
        verifier === undefined ? undefined : registry.get(verifier),
      ]);
      return {
        policy,
        ...(largeBackend ? { large: largeBackend } : {}),
        ...(verifierBackend ? { verifier: verifierBackend } : {}),
      };
    };
    const call = async (params: LanguageModelV3CallOptions) => ({
      params,
      run: strategyRun,
      backends: await backends(),
      modelId,
    });
    return {
      specificationVersion: "v3",
      provider: "deliberate",
      modelId,
      supportedUrls: {},
      doGenerate: async (params) => generateWithStrategy(await call(params)),
      doStream: async (params) => streamWithStrategy(await call(params)),
    };
  };

  const notLanguage = (kind: string) => (modelId: string) => {
    throw new DeliberateError(
      "MODEL_NOT_FOUND",
      `deliberate provides language models only, not ${kind} \`${modelId}\``,
    );
  };
  const provider = (spec: string, settings?: DeliberateModelSettings) => languageModel(spec, settings);
  return Object.assign(provider, {
    specificationVersion: "v3" as const,
    languageModel,
    embeddingModel: notLanguage("embedding model"),
    imageModel: notLanguage("image model"),
    close: () => (given ? Promise.resolve() : registry.close()),
  });
}

/** `self-consistency/builtin:tiny-reasoner` → the strategy and the spec; a plain spec has none. */
function splitStrategy(modelId: string): { spec: string; strategy?: string } {
  const slash = modelId.indexOf("/");
  const prefix = slash > 0 ? modelId.slice(0, slash) : undefined;
  return prefix !== undefined && Object.hasOwn(strategies, prefix)
    ? { spec: modelId.slice(slash + 1), strategy: prefix }
    : { spec: modelId };
}
