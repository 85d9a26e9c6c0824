/**
 * DeepConf's confidence measures (Fu et al., 2025, "Deep Think with Confidence", arXiv:2508.15260),
 * computed from per-token logprobs:
 * - token confidence C_i = -(1/k) Σ_j log P_i(j) over the top-k alternatives at position i: high when
 *   the model puts its mass on one token (the alternatives are then very unlikely);
 * - group confidence: the mean C_i over a sliding window of tokens;
 * - a trace's `lowest-group` confidence (its weakest stretch), `mean` confidence, or `tail`
 *   confidence (the last window, where the answer is written).
 */
import type { Completion, TokenLogprob } from "../models/types.ts";

export type ConfidenceMeasure = "mean" | "lowest-group" | "tail";

/** C_i for one position; with no alternatives, the chosen token's own -logprob is all there is. */
export function tokenConfidence(token: TokenLogprob): number {
  const top = token.top && token.top.length > 0 ? token.top : [token];
  return -top.reduce((sum, t) => sum + t.logprob, 0) / top.length;
}

/** Mean token confidence over each window of `size` consecutive tokens (one window if shorter). */
export function groupConfidences(confidences: number[], size: number): number[] {
  if (confidences.length === 0) return [];
  if (confidences.length <= size) return [mean(confidences)];
  const groups: number[] = [];
  let sum = confidences.slice(0, size).reduce((a, b) => a + b, 0);
  groups.push(sum / size);
  for (let i = size; i < confidences.length; i++) {
    sum += confidences[i] - confidences[i - size];
    groups.push(sum / size);
  }
  return groups;
}

/** A whole trace's confidence under `measure`; 0 for a trace without logprobs. */
export function traceConfidence(
  logprobs: TokenLogprob[],
  measure: ConfidenceMeasure,
  groupSize: number,
): number {
  const confidences = logprobs.map(tokenConfidence);
  if (confidences.length === 0) return 0;
  switch (measure) {
    case "mean":
      return mean(confidences);
    case "lowest-group":
      return Math.min(...groupConfidences(confidences, groupSize));
    case "tail":
      return mean(confidences.slice(-groupSize));
    default:
      return measure satisfies never;
  }
}

/**
 * The q-quantile (q in [0, 1]) by linear interpolation. DeepConf's online threshold is the
 * (1 - keep)-quantile of the warm-up traces' confidences.
 */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NEGATIVE_INFINITY;
  const position = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** Keeps a rolling window of token confidences while a trace streams, for early termination. */
export class RollingConfidence {
  private readonly window: number[] = [];
  private sum = 0;
  /** Tokens seen so far. */
  count = 0;

  constructor(private readonly size: number) {}

  push(token: TokenLogprob): void {
    const c = tokenConfidence(token);
    this.window.push(c);
    this.sum += c;
    this.count++;
    if (this.window.length > this.size) this.sum -= this.window.shift()!;
  }

  /** The current group confidence, or undefined until a full window has been seen. */
  current(): number | undefined {
    return this.window.length < this.size ? undefined : this.sum / this.window.length;
  }
}

/**
 * exp(mean token logprob) over the completions' tokens: the geometric-mean token probability. 0.5
 * (no information) when the backend returned no logprobs.
 */
export function meanProbability(completions: Completion[]): number {
  const logprobs = completions.flatMap((c) => c.logprobs ?? []);
  if (logprobs.length === 0) return 0.5;
  return Math.exp(logprobs.reduce((sum, t) => sum + t.logprob, 0) / logprobs.length);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
