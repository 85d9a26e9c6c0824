/**
 * `deliberate/ai-sdk`: deliberate inside the Vercel AI SDK (v6, `LanguageModelV3`).
 *
 * - `deliberateMiddleware({ strategy, options, budget })` for `wrapLanguageModel`: any AI SDK model
 *   answers through a strategy (self-consistency, best-of-n, cascade…).
 * - `createDeliberate()`: a provider whose models are deliberate's own backends (GGUF, builtin:,
 *   OpenAI-compatible) with the strategy part of the model.
 * - `aiSdkBackend(model)`: any AI SDK model as a deliberate `ModelBackend`, for `solve()`, the eval
 *   harness and the server.
 *
 * `ai` and `@ai-sdk/provider` are optional peer dependencies: only this subpath refers to them, and
 * only for types; nothing here loads them at run time.
 */
export {
  AiSdkBackend,
  type AiSdkBackendOptions,
  aiSdkBackend,
  type LogprobsAdapter,
  openaiLogprobs,
} from "../../models/ai-sdk/index.ts";
export {
  type CreateDeliberateOptions,
  createDeliberate,
  type DeliberateModelSettings,
  type DeliberateProvider,
} from "./create-deliberate.ts";
export {
  type DeliberateMiddlewareOptions,
  deliberateMiddleware,
  type RoleModel,
} from "./deliberate-middleware.ts";
export type { StrategyRun } from "./prepare-run.ts";
export type { DeliberateMetadata } from "./solution-result.ts";
