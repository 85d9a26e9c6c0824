/**
 * DPO's objective (Rafailov et al. 2023, "Direct Preference Optimization", eq. 7) for one preference
 * pair, with the optional NLL term on the chosen response of Iterative Reasoning Preference
 * Optimization (Pang et al. 2024, "RPO"), and the pieces that carry its gradient to the logits.
 *
 * With sequence log-probabilities summed over the response tokens (the rollout and `</s>`, never the
 * prompt), π the policy, π_ref the frozen reference and |c| the chosen response's token count:
 *
 *   h    = (log π(chosen) − log π_ref(chosen)) − (log π(rejected) − log π_ref(rejected))
 *   loss = −log σ(β·h) + α·(−log π(chosen) / |c|)
 *
 * β·(log π − log π_ref) is a response's implicit reward, so β·h is the reward margin. Pure DPO (α = 0)
 * can raise the margin while both responses' log-probs fall — on reasoning the chosen (correct)
 * rollouts become unlikely and accuracy collapses; the length-normalised NLL keeps pulling them up.
 * The loss depends on the policy only through its two sequence log-probs:
 *
 *   ∂loss/∂log π(chosen) = −β·σ(−β·h) − α/|c|,   ∂loss/∂log π(rejected) = +β·σ(−β·h)
 *
 * e.g. β = 0.5, α = 0 and h = 0 (the policy still equals the reference): loss = ln 2, gradients ∓0.25.
 * Each sequence log-prob is a sum of per-token log-softmax values, whose gradient w.r.t. that
 * position's logits is onehot(token) − softmax(logits) (`addLogprobGradient`).
 */

/** One pair's inputs to the objective: the four sequence log-probabilities (nats) and the chosen length. */
export interface PairLogprobs {
  policyChosen: number;
  policyRejected: number;
  referenceChosen: number;
  referenceRejected: number;
  /** Tokens of the chosen response (its rollout and `</s>`), ≥ 1: the NLL term's normaliser |c|. */
  chosenTokens: number;
}

/** The objective's knobs. */
export interface DpoObjective {
  /** β > 0: the implicit reward's scale. */
  beta: number;
  /** α ≥ 0: weight of the chosen response's per-token NLL. Default 0 (pure DPO). */
  nllWeight?: number;
}

export interface PairLoss {
  /** −log σ(β·h) + α·chosenNll, in nats. */
  loss: number;
  /** β·h: the chosen response's implicit reward minus the rejected one's. */
  margin: number;
  /** −log π(chosen) / |c|: the chosen response's mean negative log-likelihood per token (nats), unweighted. */
  chosenNll: number;
  /** ∂loss/∂log π(chosen) = −β·σ(−β·h) − α/|c|. */
  dChosen: number;
  /** ∂loss/∂log π(rejected) = +β·σ(−β·h). */
  dRejected: number;
}

/** The loss of one pair and its gradient w.r.t. the policy's two sequence log-probs. */
export function dpoPairLoss(logprobs: PairLogprobs, { beta, nllWeight = 0 }: DpoObjective): PairLoss {
  const { policyChosen, policyRejected, referenceChosen, referenceRejected, chosenTokens } = logprobs;
  const margin = beta * (policyChosen - referenceChosen - (policyRejected - referenceRejected));
  // −log σ(z) = softplus(−z) and σ(−z), both written so that no exp overflows for large |z|.
  const dpoLoss = Math.max(-margin, 0) + Math.log1p(Math.exp(-Math.abs(margin)));
  const sigmoidOfMinus =
    margin >= 0 ? Math.exp(-margin) / (1 + Math.exp(-margin)) : 1 / (1 + Math.exp(margin));
  const chosenNll = -policyChosen / chosenTokens;
  // α = 0 adds exactly 0 (the NLL is finite), so pure DPO keeps its numbers bit for bit.
  return {
    loss: dpoLoss + nllWeight * chosenNll,
    margin,
    chosenNll,
    dChosen: -beta * sigmoidOfMinus - nllWeight / chosenTokens,
    dRejected: beta * sigmoidOfMinus,
  };
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
