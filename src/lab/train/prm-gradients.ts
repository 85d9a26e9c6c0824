/**
 * One PRM batch: forward every row (prompt + verdict) without cross-entropy targets, then from the
 * logits take, per row, the soft-target loss on the first verdict token (prm-objective.ts) and the
 * ordinary cross-entropy on the verdict's later tokens; with gradients, write ∂loss/∂logits by hand
 * into the model's dLogits and run the ordinary backward pass (as DPO and GRPO do).
 *
 * The loss is the mean over the batch's verdict tokens, decision tokens included: nats per verdict
 * token, like the outcome verifier's.
 */
import type { LlamaModel } from "../model/llama-model.ts";
import { makeBatch } from "../tasks/task-data.ts";
import { addLogprobGradient, tokenLogprob } from "./dpo-objective.ts";
import type { PrmRow } from "./prm-format.ts";
import { addSoftVerdictGradient, binaryEntropy, softVerdictLoss } from "./prm-objective.ts";

export interface PrmBatchResult {
  /** Mean over verdict tokens of the soft loss (first token) and cross-entropy (later ones), nats. */
  loss: number;
  /** Mean soft-target loss on the first verdict token, nats per row. */
  decisionLoss: number;
  /** Mean of decisionLoss − H(value): its KL divergence from the target, ≥ 0. */
  decisionKl: number;
  /** Verdict tokens trained on. */
  tokens: number;
}

/**
 * The loss of `rows`; with `gradient`, also ∂loss/∂params added into `model.grads` (zero them
 * first). `yesId` and `noId` are the two verdicts' first tokens.
 */
export function prmBatch(
  model: LlamaModel,
  rows: PrmRow[],
  yesId: number,
  noId: number,
  { gradient }: { gradient: boolean },
): PrmBatchResult {
  const { contextLength, vocabSize: V } = model.config;
  for (const row of rows) {
    if (row.prompt.length + row.verdict.length > contextLength) {
      throw new RangeError(
        `a PRM row of ${row.prompt.length + row.verdict.length} tokens does not fit the context of ${contextLength}`,
      );
    }
  }
  const batch = makeBatch(
    rows.map((r) => ({ prompt: r.prompt, solution: r.verdict })),
    contextLength,
  );
  batch.targets.fill(-1);
  model.forward(batch.tokens, batch.targets, batch.B, batch.T);
  const { logits, dLogits } = model;
  const tokens = rows.reduce((n, r) => n + r.verdict.length, 0);
  const coefficient = 1 / tokens;
  let total = 0;
  let decision = 0;
  let kl = 0;
  rows.forEach((row, b) => {
    row.verdict.forEach((token, j) => {
      // Position p predicts the token at p + 1: verdict token j is predicted at prompt.length − 1 + j.
      const at = (b * batch.T + row.prompt.length - 1 + j) * V;
      const logitsRow = logits.subarray(at, at + V);
      const dRow = dLogits.subarray(at, at + V);
      if (j === 0) {
        const loss = softVerdictLoss(logitsRow, yesId, noId, row.value);
        total += loss;
        decision += loss;
        kl += loss - binaryEntropy(row.value);
        if (gradient) addSoftVerdictGradient(logitsRow, yesId, noId, row.value, coefficient, dRow);
      } else {
        total -= tokenLogprob(logitsRow, token);
        // The gradient of −log p(token), scaled: addLogprobGradient adds c·(onehot − softmax).
        if (gradient) addLogprobGradient(logitsRow, token, -coefficient, dRow);
      }
    });
  });
  if (gradient) model.backward();
  return {
    loss: total / tokens,
    decisionLoss: decision / rows.length,
    decisionKl: kl / rows.length,
    tokens,
  };
}
