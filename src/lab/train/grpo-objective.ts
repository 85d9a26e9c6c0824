/**
 * GRPO's pieces (Shao et al. 2024, DeepSeekMath §4.1): group-normalised advantages and the
 * PPO-style clipped surrogate, with its gradient with respect to the logits written by hand.
 *
 * For completion i of a group of G with reward r_i: A_i = (r_i − mean(r)) / (std(r) + eps), the
 * same for each of its tokens. Per token, with ρ = π_θ(o_t) / π_old(o_t):
 *   objective_t = min(ρ·A, clip(ρ, 1−ε, 1+ε)·A)
 * and the loss is −(1/G) Σ_i (1/|o_i|) Σ_t objective_t. No KL term (β = 0), as in DAPO and
 * Dr. GRPO: with a fresh SFT policy and few steps it mainly costs a reference forward pass.
 */

/** A_i = (r_i − mean) / (std + eps), population std; all-equal rewards give all-zero advantages. */
export function groupAdvantages(rewards: number[], eps = 1e-6): number[] {
  const n = rewards.length;
  const mean = rewards.reduce((a, b) => a + b, 0) / n;
  const variance = rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / n;
  const std = Math.sqrt(variance);
  return rewards.map((r) => (std < eps ? 0 : (r - mean) / (std + eps)));
}

export interface SurrogateToken {
  /** The token's logits row, length V. */
  logits: Float32Array;
  /** The sampled token. */
  token: number;
  /** Its advantage A. */
  advantage: number;
  /** log π_old(token) from when it was sampled. */
  oldLogprob: number;
  /** Clip range ε, e.g. 0.2. */
  epsilon: number;
  /** Multiplies the gradient: 1 / (G · |o_i|) for GRPO's per-sequence mean. */
  scale: number;
}

export interface SurrogateResult {
  /** min(ρA, clip(ρ)A) for this token (to maximise). */
  objective: number;
  ratio: number;
  /** Whether the clipped branch won (then the gradient is zero). */
  clipped: boolean;
}

/**
 * Writes d(loss)/d(logits) for one token into `dRow` (length V), loss = −scale · objective:
 * when the unclipped branch is the min, ∂(ρA)/∂logits = ρA·(onehot − softmax), so
 * dRow = scale·ρ·A·(softmax − onehot); when the clipped branch is the min, dRow = 0.
 */
export function surrogateGradient(
  { logits, token, advantage, oldLogprob, epsilon, scale }: SurrogateToken,
  dRow: Float32Array,
): SurrogateResult {
  const V = logits.length;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp(logits[i] - max);
  const logSum = Math.log(sum) + max;
  const ratio = Math.exp(logits[token] - logSum - oldLogprob);
  const unclipped = ratio * advantage;
  const clippedValue = Math.min(Math.max(ratio, 1 - epsilon), 1 + epsilon) * advantage;
  const clipped = clippedValue < unclipped;
  if (clipped) {
    dRow.fill(0);
    return { objective: clippedValue, ratio, clipped };
  }
  const coefficient = scale * ratio * advantage;
  for (let i = 0; i < V; i++) dRow[i] = coefficient * Math.exp(logits[i] - logSum);
  dRow[token] -= coefficient;
  return { objective: unclipped, ratio, clipped };
}
