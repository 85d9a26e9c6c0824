/**
 * One sample's `GenerateRequest` as AI SDK call options, and the settings the AI SDK cannot carry
 * said out loud (`warnings`) instead of dropped.
 */
import type { LanguageModelV3CallOptions, SharedV3ProviderOptions } from "@ai-sdk/provider";
import type { ValidGenerateRequest } from "../request-schema.ts";
import type { LogprobsAdapter } from "./logprobs-adapter.ts";
import { toV3Prompt } from "./v3-prompt.ts";

export interface CallOptionsSettings {
  /** Fields every call carries (provider options, headers) under the request's own. */
  base?: Partial<LanguageModelV3CallOptions>;
  logprobs?: LogprobsAdapter;
  /** The provider continues a trailing assistant message (`assistantPrefix`). */
  prefill: boolean;
}

export interface SampleCallOptions {
  options: LanguageModelV3CallOptions;
  warnings: string[];
}

/** Call options for one sample with its own `seed`. */
export function toCallOptions(
  request: ValidGenerateRequest,
  seed: number | undefined,
  settings: CallOptionsSettings,
): SampleCallOptions {
  const { base = {}, logprobs, prefill } = settings;
  const warnings: string[] = [];
  const prefix = request.assistantPrefix !== undefined && prefill ? request.assistantPrefix : undefined;
  if (request.assistantPrefix !== undefined && !prefill) {
    warnings.push("`assistantPrefix` is not supported: this model does not continue an assistant message");
  }
  if (request.prompt !== undefined) {
    warnings.push("a raw `prompt` was sent as one user message: AI SDK models take chat prompts only");
  }
  if (request.minP !== undefined) warnings.push("`minP` is not supported by AI SDK models");
  let providerOptions: SharedV3ProviderOptions | undefined = base.providerOptions;
  if (request.logprobs !== undefined) {
    if (logprobs) {
      providerOptions = mergeProviderOptions(
        providerOptions,
        logprobs.request(Math.min(request.logprobs, logprobs.maxTopLogprobs)),
      );
    } else warnings.push("logprobs are not supported");
  }
  const messages = request.messages ?? [{ role: "user" as const, content: request.prompt ?? "" }];
  // Only the settings given: the call options then show what was asked and nothing more.
  const options: LanguageModelV3CallOptions = { ...base, prompt: toV3Prompt(messages, prefix) };
  if (request.maxTokens !== undefined) options.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.topP !== undefined) options.topP = request.topP;
  if (request.topK !== undefined) options.topK = request.topK;
  if (request.stop !== undefined) options.stopSequences = request.stop;
  if (seed !== undefined) options.seed = seed;
  if (request.signal !== undefined) options.abortSignal = request.signal;
  if (providerOptions !== undefined) options.providerOptions = providerOptions;
  return { options, warnings };
}

/** Provider options merged per provider key, `extra`'s fields winning. */
function mergeProviderOptions(
  base: SharedV3ProviderOptions | undefined,
  extra: SharedV3ProviderOptions,
): SharedV3ProviderOptions {
  const merged: SharedV3ProviderOptions = { ...base };
  for (const [provider, fields] of Object.entries(extra))
    merged[provider] = { ...merged[provider], ...fields };
  return merged;
}
