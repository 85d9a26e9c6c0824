/**
 * The PRM's loss on the verdict token that decides (prm-format.ts): cross-entropy against a soft
 * target, the prefix's Monte-Carlo value v on the yes-token and 1 − v on the no-token,
 *
 *   loss = −v·log p(yes) − (1 − v)·log p(no),   ∂loss/∂logits = softmax(logits) − t
 *
 * with t the target (v at yes, 1 − v at no, 0 elsewhere). Its minimum over the distribution is at
 * p(yes) = v, p(no) = 1 − v: trained on many prefixes, P(yes) estimates the chance that the policy
 * finishes the prefix right — the quantity the step-scorer contract asks for — instead of the chance
 * that some of k rollouts does (hard labels, which saturate near 1 once the policy's pass@k is high)
 * or a side of ½ (thresholded labels, which lose the order within each side). The loss never goes
 * below the target's entropy H(v), so the log also keeps the excess, the KL divergence.
 *
 *   v = 0.75, p(yes) = 0.5, p(no) = 0.25: loss = −0.75·ln 0.5 − 0.25·ln 0.25 = 0.8664,
 *   H(0.75) = 0.5623, KL = 0.3041.
 */
import { addLogprobGradient, tokenLogprob } from "./dpo-objective.ts";

/** −v·log p(yes) − (1 − v)·log p(no) for one row of logits, in nats. */
export function softVerdictLoss(row: Float32Array, yesId: number, noId: number, value: number): number {
  // A target of exactly 0 or 1 drops its term, so an impossible token never gives 0·∞.
  const yes = value > 0 ? -value * tokenLogprob(row, yesId) : 0;
  const no = value < 1 ? -(1 - value) * tokenLogprob(row, noId) : 0;
  return yes + no;
}

/** dRow += coefficient · ∂softVerdictLoss/∂row = coefficient · (softmax(row) − t). */
export function addSoftVerdictGradient(
  row: Float32Array,
  yesId: number,
  noId: number,
  value: number,
  coefficient: number,
  dRow: Float32Array,
): void {
  // coefficient·(−v)·∂log p(yes) + coefficient·(−(1 − v))·∂log p(no); the softmax terms sum to one.
  addLogprobGradient(row, yesId, -coefficient * value, dRow);
  addLogprobGradient(row, noId, -coefficient * (1 - value), dRow);
}

/** H(v) = −v·ln v − (1 − v)·ln(1 − v): the soft loss's floor, in nats. */
export function binaryEntropy(value: number): number {
  const term = (p: number) => (p > 0 ? -p * Math.log(p) : 0);
  return term(value) + term(1 - value);
}
