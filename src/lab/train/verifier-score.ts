/**
 * Reading a lab verifier the way deliberate's reward model does: teacher-force the yes verdict after
 * each row's prompt and take its likelihood (`score()` with reduce `mean`), and judge the verdict by
 * its first token (yes-token vs. no-token logit). Used for the held-out evaluations during training
 * and for the final report.
 */
import { KvCacheDecoder } from "../model/kv-cache-decoder.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { VerifierRow } from "./verifier-format.ts";
import { rocAuc } from "./verifier-metrics.ts";

export interface VerifierScores {
  /** exp(mean logprob of the yes verdict): what `rewardModel()` (reduce `mean`) returns. */
  scores: number[];
  /** exp(summed logprob of the yes verdict) ≈ P(first yes token): the verifier's P(correct). */
  probabilities: number[];
  /** Share of rows whose first verdict token is judged right (yes-token vs. no-token logit). */
  accuracy: number;
  /** Mean −log P(the row's own first verdict token): the loss on the one token that decides. */
  decisionLoss: number;
  auc: number;
}

/**
 * Teacher-forces the yes verdict (`yesTokens`) after each row's prompt with the KV-cache decoder;
 * `noId` is the first token of the no verdict.
 */
export function evaluateVerifier(
  model: LlamaModel,
  yesTokens: number[],
  noId: number,
  rows: VerifierRow[],
): VerifierScores {
  const decoder = new KvCacheDecoder(model);
  let right = 0;
  let decisionLoss = 0;
  const probabilities: number[] = [];
  const scores = rows.map((row) => {
    decoder.reset();
    let logits = decoder.logits;
    for (const token of row.prompt) logits = decoder.step(token);
    if (logits[yesTokens[0]] > logits[noId] === (row.label === 1)) right++;
    decisionLoss -= logSoftmaxAt(logits, row.solution[0]);
    let logprob = 0;
    for (let i = 0; i < yesTokens.length; i++) {
      logprob += logSoftmaxAt(logits, yesTokens[i]);
      if (i + 1 < yesTokens.length) logits = decoder.step(yesTokens[i]);
    }
    probabilities.push(Math.exp(logprob));
    return Math.exp(logprob / yesTokens.length);
  });
  return {
    scores,
    probabilities,
    accuracy: rows.length === 0 ? 0 : right / rows.length,
    decisionLoss: rows.length === 0 ? 0 : decisionLoss / rows.length,
    auc: rocAuc(
      scores,
      rows.map((r) => r.label),
    ),
  };
}

export interface VerifierEval {
  samples: number;
  /** Share of correct samples. */
  positives: number;
  /** Verdict accuracy: P(first token of the yes verdict) > P(first token of the no verdict). */
  accuracy: number;
  /** ROC AUC of the reward-model score. */
  auc: number;
}

/**
 * The verifier on every held-out row: accuracy and AUC over all of them, with the per-row score and
 * P(yes) for the selection comparison. A row whose sequence does not `fit` the context scores 0, as
 * a rejected candidate would.
 */
export function scoreHeldOut(
  model: LlamaModel,
  yesTokens: number[],
  noId: number,
  rows: VerifierRow[],
  fits: (row: VerifierRow) => boolean,
): { heldOut: VerifierEval; scores: number[]; probabilities: number[] } {
  const scored = rows.map((row) => (fits(row) ? evaluateVerifier(model, yesTokens, noId, [row]) : null));
  const scores = scored.map((s) => s?.scores[0] ?? 0);
  const probabilities = scored.map((s) => s?.probabilities[0] ?? 0);
  const heldOut: VerifierEval = {
    samples: rows.length,
    positives: rows.length === 0 ? 0 : rows.filter((r) => r.label === 1).length / rows.length,
    accuracy: rows.length === 0 ? 0 : scored.reduce((sum, s) => sum + (s?.accuracy ?? 0), 0) / rows.length,
    auc: rocAuc(
      scores,
      rows.map((r) => r.label),
    ),
  };
  return { heldOut, scores, probabilities };
}

function logSoftmaxAt(logits: Float32Array, index: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[index] - max - Math.log(sum);
}
