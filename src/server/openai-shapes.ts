/** Builders for OpenAI-shaped response bodies and stream chunks. */
import type { Completion, FinishReason, TokenLogprob } from "../models/types.ts";

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  completion_tokens_details?: { reasoning_tokens: number };
}

export interface Choice {
  index: number;
  content: string;
  reasoning?: string;
  finishReason: FinishReason;
  logprobs?: TokenLogprob[];
}

/** OpenAI has no `abort`; a request cut short reads as `length` would mislead, so it is reported as `stop`. */
function finishReasonOf(reason: FinishReason): string {
  return reason === "length" ? "length" : "stop";
}

function logprobsBody(logprobs: TokenLogprob[] | undefined) {
  if (!logprobs) return null;
  return {
    content: logprobs.map((t) => ({
      token: t.token,
      logprob: t.logprob,
      bytes: [...Buffer.from(t.token, "utf8")],
      top_logprobs: (t.top ?? []).map((alt) => ({
        token: alt.token,
        logprob: alt.logprob,
        bytes: [...Buffer.from(alt.token, "utf8")],
      })),
    })),
  };
}

export function usageBody(promptTokens: number, completionTokens: number, reasoningTokens = 0): OpenAIUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens_details: { reasoning_tokens: reasoningTokens },
  };
}

export function completionBody(options: {
  id: string;
  model: string;
  created: number;
  choices: Choice[];
  usage: OpenAIUsage;
  extension: Record<string, unknown>;
}) {
  return {
    id: options.id,
    object: "chat.completion",
    created: options.created,
    model: options.model,
    choices: options.choices.map((choice) => ({
      index: choice.index,
      message: {
        role: "assistant",
        content: choice.content,
        ...(choice.reasoning ? { reasoning_content: choice.reasoning } : {}),
      },
      logprobs: logprobsBody(choice.logprobs),
      finish_reason: finishReasonOf(choice.finishReason),
    })),
    usage: options.usage,
    deliberate: options.extension,
  };
}

export function chunkBody(options: {
  id: string;
  model: string;
  created: number;
  index: number;
  delta: { role?: "assistant"; content?: string; reasoning_content?: string };
  finishReason?: FinishReason;
  logprobs?: TokenLogprob[];
}) {
  return {
    id: options.id,
    object: "chat.completion.chunk",
    created: options.created,
    model: options.model,
    choices: [
      {
        index: options.index,
        delta: options.delta,
        logprobs: logprobsBody(options.logprobs),
        finish_reason: options.finishReason ? finishReasonOf(options.finishReason) : null,
      },
    ],
  };
}

export function usageChunk(options: { id: string; model: string; created: number; usage: OpenAIUsage }) {
  return {
    id: options.id,
    object: "chat.completion.chunk",
    created: options.created,
    model: options.model,
    choices: [],
    usage: options.usage,
  };
}

export function sumUsage(completions: Completion[]): OpenAIUsage {
  // n samples of one prompt share the prompt: OpenAI counts it once.
  const prompt = completions[0]?.usage.promptTokens ?? 0;
  const completion = completions.reduce((sum, c) => sum + c.usage.completionTokens, 0);
  const reasoning = completions.reduce((sum, c) => sum + (c.usage.reasoningTokens ?? 0), 0);
  return usageBody(prompt, completion, reasoning);
}
