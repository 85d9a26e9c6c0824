/**
 * Logprobs of a given continuation: evaluate prompt + continuation in one pass and read, at each
 * position, the model's raw distribution (greedy sampler: no temperature, no truncation) for the
 * token that actually follows. This is what verifiers and reward scorers need, e.g. the logprob of
 * " Yes" after "Is the answer correct?".
 */
import type { ControlledEvaluateInputItem, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import type { TokenLogprob } from "../types.ts";
import { tokenText, toLogprob } from "./to-token-logprob.ts";

export interface ScoreContinuationOptions {
  sequence: LlamaContextSequence;
  model: LlamaModel;
  promptTokens: readonly Token[];
  continuationTokens: readonly Token[];
  /** Top alternatives per continuation token. Default 0. */
  top?: number;
}

export async function scoreContinuation(options: ScoreContinuationOptions): Promise<TokenLogprob[]> {
  const { sequence, model, promptTokens, continuationTokens, top = 0 } = options;
  const all = [...promptTokens, ...continuationTokens];
  // Reuse the cached prefix, but always evaluate from the last prompt token: its logits score the
  // continuation's first token.
  const { firstDifferentIndex } = sequence.compareContextTokens(all);
  const keep = Math.min(firstDifferentIndex, promptTokens.length - 1);
  if (sequence.nextTokenIndex > keep) {
    await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  }
  const firstScored = promptTokens.length - 1 - keep;
  const input: ControlledEvaluateInputItem[] = all.slice(keep).map((token, i) =>
    // Positions whose next token is a continuation token: last prompt token … second-to-last continuation token.
    i >= firstScored && i < firstScored + continuationTokens.length
      ? [token, { generateNext: { probabilities: true } }]
      : token,
  );
  const outputs = await sequence.controlledEvaluate(input);
  return continuationTokens.map((token, j) => {
    const probabilities = outputs[firstScored + j]?.next.probabilities;
    const previous = all[promptTokens.length + j - 1];
    const logprob = toLogprob(probabilities?.get(token));
    const result: TokenLogprob = { token: tokenText(model, token, previous), logprob };
    if (top > 0 && probabilities !== undefined) {
      result.top = [...probabilities.entries()]
        .slice(0, top)
        .map(([candidate, p]) => ({ token: tokenText(model, candidate, previous), logprob: toLogprob(p) }));
    }
    return result;
  });
}
