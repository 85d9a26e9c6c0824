/**
 * DPO's objective (Rafailov et al. 2023, "Direct Preference Optimization", eq. 7) for one preference
 * pair, and the pieces that carry its gradient to the logits.
 *
 * With sequence log-probabilities summed over the response tokens (the rollout and `</s>`, never the
 * prompt), π the policy and π_ref the frozen reference:
 *
 *   h    = (log π(chosen) − log π_ref(chosen)) − (log π(rejected) − log π_ref(rejected))
 *   loss = −log σ(β·h)
 *
 * β·(log π − log π_ref) is a response's implicit reward, so β·h is the reward margin. The loss
 * depends on the policy only through its two sequence log-probs:
 *
 *   ∂loss/∂log π(chosen) = −β·σ(−β·h),   ∂loss/∂log π(rejected) = +β·σ(−β·h)
 *
 * e.g. β = 0.5 and h = 0 (the policy still equals the reference): loss = ln 2, gradients ∓0.25.
 * Each sequence log-prob is a sum of per-token log-softmax values, whose gradient w.r.t. that
 * position's logits is onehot(token) − softmax(logits) (`addLogprobGradient`).
 */

/** The four sequence log-probabilities of one pair, in nats. */
export interface PairLogprobs {
  policyChosen: number;
  policyRejected: number;
  referenceChosen: number;
  referenceRejected: number;
}

export interface PairLoss {
  /** −log σ(β·h), in nats. */
  loss: number;
  /** β·h: the chosen response's implicit reward minus the rejected one's. */
  margin: number;
  /** ∂loss/∂log π(chosen) = −β·σ(−β·h). */
  dChosen: number;
  /** ∂loss/∂log π(rejected) = +β·σ(−β·h). */
  dRejected: number;
}

/** The DPO loss of one pair and its gradient w.r.t. the policy's two sequence log-probs. */
export function dpoPairLoss(logprobs: PairLogprobs, beta: number): PairLoss {
  const { policyChosen, policyRejected, referenceChosen, referenceRejected } = logprobs;
  const margin = beta * (policyChosen - referenceChosen - (policyRejected - referenceRejected));
  // −log σ(z) = softplus(−z) and σ(−z), both written so that no exp overflows for large |z|.
  const loss = Math.max(-margin, 0) + Math.log1p(Math.exp(-Math.abs(margin)));
  const sigmoidOfMinus =
    margin >= 0 ? Math.exp(-margin) / (1 + Math.exp(-margin)) : 1 / (1 + Math.exp(margin));
  return { loss, margin, dChosen: -beta * sigmoidOfMinus, dRejected: beta * sigmoidOfMinus };
}

/** log softmax(row)[token], accumulated in float64. */
export function tokenLogprob(row: Float32Array, token: number): number {
  return row[token] - logSumExp(row);
}

/** dRow += coefficient · (onehot(token) − softmax(row)): the gradient of coefficient · log softmax(row)[token]. */
export function addLogprobGradient(
  row: Float32Array,
  token: number,
  coefficient: number,
  dRow: Float32Array,
): void {
  const logSum = logSumExp(row);
  for (let i = 0; i < row.length; i++) dRow[i] -= coefficient * Math.exp(row[i] - logSum);
  dRow[token] += coefficient;
}

function logSumExp(row: Float32Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return Math.log(sum) + max;
}
