/**
 * Logprobs through the AI SDK. The V3 spec has no logprobs field: providers that return them take a
 * provider option and answer in `providerMetadata` (`@ai-sdk/openai`: `providerOptions.openai.logprobs`
 * in, `providerMetadata.openai.logprobs` out). A `LogprobsAdapter` says how for one provider; with one,
 * `aiSdkBackend` reports the `logprobs` capability and confidence-weighted strategies work.
 */
import type { SharedV3ProviderMetadata, SharedV3ProviderOptions } from "@ai-sdk/provider";
import type { TokenLogprob } from "../types.ts";

export interface LogprobsAdapter {
  /** Largest number of top alternatives per token the provider returns. */
  maxTopLogprobs: number;
  /** Provider options asking for logprobs with `top` alternatives (0: only the chosen token's). */
  request(top: number): SharedV3ProviderOptions;
  /** The per-token logprobs in a result's provider metadata, or undefined when there are none. */
  read(metadata: SharedV3ProviderMetadata | undefined): TokenLogprob[] | undefined;
}

/** What OpenAI's chat API returns per token (`choices[].logprobs.content`). */
interface OpenAITokenLogprob {
  token: string;
  logprob: number;
  top_logprobs?: Array<{ token: string; logprob: number }> | null;
}

/** OpenAI's top-logprobs ceiling (`top_logprobs` is 0–20). */
const OPENAI_MAX_TOP_LOGPROBS = 20;

/**
 * `@ai-sdk/openai` chat models (and Azure's): `providerOptions.openai.logprobs`, answered in
 * `providerMetadata.openai.logprobs` in the chat API's per-token shape.
 */
export const openaiLogprobs: LogprobsAdapter = {
  maxTopLogprobs: OPENAI_MAX_TOP_LOGPROBS,
  // `logprobs: true` asks for the chosen tokens only; a number asks for that many alternatives too.
  request: (top) => ({ openai: { logprobs: top > 0 ? top : true } }),
  read(metadata) {
    const tokens = metadata?.openai?.logprobs;
    if (!Array.isArray(tokens)) return undefined;
    return (tokens as unknown as OpenAITokenLogprob[]).map(({ token, logprob, top_logprobs }) =>
      top_logprobs && top_logprobs.length > 0
        ? { token, logprob, top: top_logprobs.map((alt) => ({ token: alt.token, logprob: alt.logprob })) }
        : { token, logprob },
    );
  },
};
