/**
 * Any AI SDK `LanguageModelV3` as a deliberate backend. Type-only use of `@ai-sdk/provider`: this
 * folder loads nothing from the AI SDK at run time; the registry imports it lazily.
 */
export { AiSdkBackend, type AiSdkBackendOptions, aiSdkBackend } from "./ai-sdk-backend.ts";
export { type LogprobsAdapter, openaiLogprobs } from "./logprobs-adapter.ts";
export { fromV3Prompt, type MessagesFromPrompt, toV3Prompt } from "./v3-prompt.ts";
