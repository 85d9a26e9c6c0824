/**
 * One PRM batch: forward every row (a whole solution, each step followed by its verdict, prm-format.ts)
 * without cross-entropy targets, then from the logits take, at every verdict, the soft-target loss on
 * its first token (prm-objective.ts) and the ordinary cross-entropy on its later tokens; with
 * gradients, write ∂loss/∂logits by hand into the model's dLogits and run the ordinary backward pass
 * (as DPO and GRPO do).
 *
 * The loss is the mean over the batch's verdict tokens, decision tokens included: nats per verdict
 * token, like the outcome verifier's.
 */
import type { LlamaModel } from "../model/llama-model.ts";
import { makeBatch } from "../tasks/task-data.ts";
import { addLogprobGradient, tokenLogprob } from "./dpo-objective.ts";
import type { PrmRow, VerdictTokens } from "./prm-format.ts";
import { addSoftVerdictGradient, binaryEntropy, softVerdictLoss } from "./prm-objective.ts";

export interface PrmBatchResult {
  /** Mean over verdict tokens of the soft loss (first token) and cross-entropy (later ones), nats. */
  loss: number;
  /** Mean soft-target loss on the first verdict token, nats per decision. */
  decisionLoss: number;
  /** Mean of decisionLoss − H(target): its KL divergence from the target, ≥ 0. */
  decisionKl: number;
  /** Decisions (step verdicts) trained on. */
  decisions: number;
  /** Verdict tokens trained on. */
  tokens: number;
}

/**
 * The loss of `rows`; with `gradient`, also ∂loss/∂params added into `model.grads` (zero them
 * first).
 */
export function prmBatch(
  model: LlamaModel,
  rows: PrmRow[],
  verdicts: VerdictTokens,
  { gradient }: { gradient: boolean },
): PrmBatchResult {
  const { contextLength, vocabSize: V } = model.config;
  for (const row of rows) {
    if (row.tokens.length > contextLength) {
      throw new RangeError(
        `a PRM row of ${row.tokens.length} tokens does not fit the context of ${contextLength}`,
      );
    }
  }
  const batch = makeBatch(
    rows.map((r) => ({ prompt: r.tokens, solution: [] })),
    contextLength,
  );
  model.forward(batch.tokens, batch.targets, batch.B, batch.T);
  const { logits, dLogits } = model;
  const yesId = verdicts.yes[0];
  const noId = verdicts.no[0];
  const decisions = rows.reduce((n, r) => n + r.decisions.length, 0);
  const tokens = decisions * verdicts.yes.length;
  const coefficient = 1 / tokens;
  let total = 0;
  let decision = 0;
  let kl = 0;
  rows.forEach((row, b) => {
    for (const { at, target } of row.decisions) {
      // Position p predicts the token at p + 1: the verdict token at `at + j` from position at − 1 + j.
      verdicts.yes.forEach((token, j) => {
        const from = (b * batch.T + at - 1 + j) * V;
        const logitsRow = logits.subarray(from, from + V);
        const dRow = dLogits.subarray(from, from + V);
        if (j === 0) {
          const loss = softVerdictLoss(logitsRow, yesId, noId, target);
          total += loss;
          decision += loss;
          kl += loss - binaryEntropy(target);
          if (gradient) addSoftVerdictGradient(logitsRow, yesId, noId, target, coefficient, dRow);
        } else {
          total -= tokenLogprob(logitsRow, token);
          // The gradient of −log p(token), scaled: addLogprobGradient adds c·(onehot − softmax).
          if (gradient) addLogprobGradient(logitsRow, token, -coefficient, dRow);
        }
      });
    }
  });
  if (gradient) model.backward();
  return {
    loss: total / tokens,
    decisionLoss: decision / decisions,
    decisionKl: kl / decisions,
    decisions,
    tokens,
  };
}
