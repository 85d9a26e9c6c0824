/**
 * `deliberateMiddleware({ strategy, options, budget })`: test-time compute for any AI SDK model in one
 * line, `wrapLanguageModel({ model, middleware: deliberateMiddleware({...}) })`.
 *
 * Each `generateText` / `streamText` call becomes one solve with the wrapped model as the `policy`
 * backend. Every sample is its own `doGenerate` call on the model with its own seed (the
 * `doGenerate` the AI SDK hands a middleware is bound to the caller's params and cannot vary the
 * seed, so the calls go to `model.doGenerate` through `aiSdkBackend`); voting and verification happen
 * here. A strategy that needs logprobs, `score()` or prefill the model lacks fails before any call,
 * naming what is missing.
 *
 * ```ts
 * const model = wrapLanguageModel({
 *   model: openai("gpt-4o-mini"),
 *   middleware: deliberateMiddleware({ strategy: "self-consistency", options: { samples: 8 } }),
 * });
 * const { text, usage, providerMetadata } = await generateText({ model, prompt: "What is 17 * 24?" });
 * providerMetadata?.deliberate; // { answer, key, confidence, votes, usage, roles, traceId, … }
 * ```
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Middleware,
} from "@ai-sdk/provider";
import { aiSdkBackend } from "../../models/ai-sdk/ai-sdk-backend.ts";
import type { LogprobsAdapter } from "../../models/ai-sdk/logprobs-adapter.ts";
import type { ModelBackend } from "../../models/types.ts";
import type { Backends } from "../../strategies/types.ts";
import { generateWithStrategy } from "./generate-with-strategy.ts";
import type { StrategyRun } from "./prepare-run.ts";
import { streamWithStrategy } from "./stream-with-strategy.ts";

/** A model for another role: an AI SDK model, or a deliberate backend. */
export type RoleModel = LanguageModelV3 | ModelBackend;

export interface DeliberateMiddlewareOptions extends StrategyRun {
  /** The larger model a `cascade` escalates to (and `speculative-thinking` hands steps to). */
  large?: RoleModel;
  /** The model verifiers judge with. Default: the wrapped model. */
  verifier?: RoleModel;
  /** How the wrapped model's provider returns logprobs (e.g. `openaiLogprobs`). Default none. */
  logprobs?: LogprobsAdapter;
  /** The wrapped model continues a trailing assistant message (prefill). Default false. */
  prefill?: boolean;
}

export function deliberateMiddleware(options: DeliberateMiddlewareOptions): LanguageModelV3Middleware {
  const { large, verifier, logprobs, prefill, ...run } = options;
  const roles = { large: large && asBackend(large), verifier: verifier && asBackend(verifier) };
  const backendsFor = (model: LanguageModelV3, params: LanguageModelV3CallOptions): Backends => ({
    // The caller's provider options and headers go with every sample.
    policy: aiSdkBackend(model, {
      callOptions: { providerOptions: params.providerOptions, headers: params.headers },
      logprobs,
      prefill,
    }),
    ...(roles.large ? { large: roles.large } : {}),
    ...(roles.verifier ? { verifier: roles.verifier } : {}),
  });
  return {
    specificationVersion: "v3",
    wrapGenerate: ({ params, model }) =>
      generateWithStrategy({ params, run, backends: backendsFor(model, params), modelId: model.modelId }),
    wrapStream: async ({ params, model }) =>
      streamWithStrategy({ params, run, backends: backendsFor(model, params), modelId: model.modelId }),
  };
}

function asBackend(model: RoleModel): ModelBackend {
  return "specificationVersion" in model ? aiSdkBackend(model) : model;
}
