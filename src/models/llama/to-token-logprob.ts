/**
 * llama.cpp probabilities → our `TokenLogprob` (natural log, alternatives most likely first).
 *
 * The probabilities are those of the distribution the token was drawn from: after temperature and
 * top-k/top-p/min-p truncation. With temperature 0 (greedy) that is the model's own softmax.
 */
import type { LlamaModel, Token } from "node-llama-cpp";
import type { TokenLogprob, TopLogprob } from "../types.ts";

/** Stand-in for ln(0), which JSON cannot carry (OpenAI uses the same value). */
const MIN_LOGPROB = -9999;

export function toLogprob(probability: number | undefined): number {
  if (probability === undefined || !(probability > 0)) return MIN_LOGPROB;
  // float32 renormalisation can land a hair above 1.
  return Math.min(0, Math.log(probability));
}

export interface ToTokenLogprobOptions {
  model: LlamaModel;
  token: Token;
  /** The chosen token's probability, when only that was asked for. */
  confidence?: number;
  /** All candidates' probabilities, sorted most likely first (node-llama-cpp's order). */
  probabilities?: ReadonlyMap<Token, number>;
  /** How many alternatives to return. */
  top: number;
  /** The token before this one, so a leading space (SentencePiece's "▁") survives detokenizing. */
  previous?: Token;
}

export function toTokenLogprob(options: ToTokenLogprobOptions): TokenLogprob {
  const { model, token, confidence, probabilities, top, previous } = options;
  const probability = probabilities?.get(token) ?? confidence;
  const result: TokenLogprob = { token: tokenText(model, token, previous), logprob: toLogprob(probability) };
  if (top > 0 && probabilities !== undefined) {
    const alternatives: TopLogprob[] = [];
    for (const [candidate, p] of probabilities) {
      if (alternatives.length >= top) break;
      alternatives.push({ token: tokenText(model, candidate, previous), logprob: toLogprob(p) });
    }
    result.top = alternatives;
  }
  return result;
}

/**
 * A token's own text, special tokens spelled out so alternatives such as EOS stay recognisable.
 * Detokenized after `previous`: alone, a SentencePiece "▁w" at the start of text loses its space.
 */
export function tokenText(model: LlamaModel, token: Token, previous?: Token): string {
  return model.detokenize([token], true, previous === undefined ? undefined : [previous]);
}
