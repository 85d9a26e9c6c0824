/**
 * Upstream values → ours: finish reasons, logprobs of both API shapes, and usage split over choices.
 */
import type { FinishReason, TokenLogprob, TokenUsage } from "../types.ts";
import type { ChatLogprobs, LegacyLogprobs, UpstreamUsage } from "./upstream-schema.ts";

/** Maps a raw finish reason; unknown benign values count as `stop`, and the raw one is kept by the caller. */
export function mapFinishReason(raw: string | null | undefined): {
  finishReason: FinishReason;
  error?: string;
} {
  switch (raw) {
    case "length":
    case "max_tokens":
      return { finishReason: "length" };
    case "abort":
    case "cancelled":
      return { finishReason: "abort" };
    case "content_filter":
      return { finishReason: "error", error: "the upstream content filter stopped the completion" };
    case "error":
      return { finishReason: "error", error: "the upstream reported an error" };
    default:
      // stop, eos, stop_sequence, end_turn, tool_calls, function_call, null from lenient servers.
      return { finishReason: "stop" };
  }
}

export function mapChatLogprobs(logprobs: ChatLogprobs): TokenLogprob[] | undefined {
  if (!logprobs?.content) return undefined;
  return logprobs.content.map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    top: entry.top_logprobs ? sortTop(entry.top_logprobs) : undefined,
  }));
}

export function mapLegacyLogprobs(logprobs: LegacyLogprobs): TokenLogprob[] | undefined {
  if (!logprobs) return undefined;
  // Only an echoed first prompt token has no logprob; it is not part of the completion.
  return logprobs.tokens.flatMap((_, i) => legacyTokenAt(logprobs, i) ?? []);
}

/** The token at position `i` of the legacy shape, undefined where it has no logprob. */
export function legacyTokenAt(logprobs: NonNullable<LegacyLogprobs>, i: number): TokenLogprob | undefined {
  const logprob = logprobs.token_logprobs[i];
  if (logprob === null || logprob === undefined) return undefined;
  const top = logprobs.top_logprobs?.[i];
  return {
    token: logprobs.tokens[i],
    logprob,
    top: top ? sortTop(Object.entries(top).map(([token, value]) => ({ token, logprob: value }))) : undefined,
  };
}

function sortTop(top: { token: string; logprob: number }[]) {
  return top.map(({ token, logprob }) => ({ token, logprob })).sort((a, b) => b.logprob - a.logprob);
}

/**
 * Splits one call's usage over its choices so that summing `Completion.usage` gives the upstream's
 * totals (what was billed): the prompt counts once, on the call's first choice; completion and
 * reasoning tokens go by each choice's weight (its token count when known), evenly otherwise.
 */
export function splitUsage(
  usage: UpstreamUsage,
  choices: { completionWeight: number; reasoningWeight: number }[],
): TokenUsage[] {
  const completion = distribute(
    usage?.completion_tokens ?? choices.reduce((sum, choice) => sum + choice.completionWeight, 0),
    choices.map((choice) => choice.completionWeight),
  );
  const reasoningTotal = usage?.completion_tokens_details?.reasoning_tokens;
  const reasoning =
    reasoningTotal === null || reasoningTotal === undefined
      ? undefined
      : distribute(
          reasoningTotal,
          choices.map((choice) => choice.reasoningWeight),
        );
  return choices.map((_, i) => ({
    promptTokens: i === 0 ? (usage?.prompt_tokens ?? 0) : 0,
    completionTokens: completion[i],
    ...(reasoning ? { reasoningTokens: reasoning[i] } : {}),
  }));
}

/** Integers proportional to `weights` summing to `total` (largest remainder); even when all weights are 0. */
function distribute(total: number, weights: number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((weight) => (sum > 0 ? (total * weight) / sum : total / weights.length));
  const out = shares.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const byRemainder = shares
    .map((share, i) => ({ i, rest: share - Math.floor(share) }))
    .sort((a, b) => b.rest - a.rest);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    out[i]++;
    left--;
  }
  return out;
}
