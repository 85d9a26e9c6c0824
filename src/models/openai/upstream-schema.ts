/**
 * What we read from upstream answers, checked with zod. Loose on purpose: servers add fields
 * (vLLM's `stop_reason`, llama-server's `timings`) and leave optional ones null; only what we
 * use is checked, and a mismatch becomes a clear UPSTREAM error rather than a crash later.
 */
import { z } from "zod";

const topLogprob = z.object({ token: z.string(), logprob: z.number() });

const chatTokenLogprob = z.looseObject({
  token: z.string(),
  logprob: z.number(),
  top_logprobs: z.array(topLogprob).nullish(),
});

/** Chat API: one object per token, alternatives as an array. */
const chatLogprobs = z.looseObject({ content: z.array(chatTokenLogprob).nullish() }).nullish();

/** Legacy completions API: parallel arrays, alternatives as `{token: logprob}` maps; null for echoed first tokens. */
const legacyLogprobs = z
  .looseObject({
    tokens: z.array(z.string()),
    token_logprobs: z.array(z.number().nullable()),
    top_logprobs: z.array(z.record(z.string(), z.number()).nullable()).nullish(),
    text_offset: z.array(z.number()).nullish(),
  })
  .nullish();

const usageSchema = z
  .looseObject({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
  })
  .nullish();

const reasoningFields = { reasoning_content: z.string().nullish(), reasoning: z.string().nullish() };
const index = z.number().int().nullish();
const finishReason = z.string().nullish();

export const chatResponseSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        index,
        message: z.looseObject({ content: z.string().nullish(), ...reasoningFields }),
        finish_reason: finishReason,
        logprobs: chatLogprobs,
      }),
    )
    .min(1),
  usage: usageSchema,
});

export const completionResponseSchema = z.looseObject({
  choices: z
    .array(z.looseObject({ index, text: z.string(), finish_reason: finishReason, logprobs: legacyLogprobs }))
    .min(1),
  usage: usageSchema,
});

export const chatChunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        index,
        delta: z.looseObject({ content: z.string().nullish(), ...reasoningFields }).nullish(),
        finish_reason: finishReason,
        logprobs: chatLogprobs,
      }),
    )
    .nullish(),
  usage: usageSchema,
});

export const completionChunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        index,
        text: z.string().nullish(),
        finish_reason: finishReason,
        logprobs: legacyLogprobs,
      }),
    )
    .nullish(),
  usage: usageSchema,
});

export type UpstreamUsage = z.infer<typeof usageSchema>;
export type ChatLogprobs = z.infer<typeof chatLogprobs>;
export type LegacyLogprobs = z.infer<typeof legacyLogprobs>;
