/**
 * Mean cross-entropy over the positions that have a target (target −1 = not trained on, e.g. the
 * prompt and padding), and its gradient with respect to the logits.
 */

export interface CrossEntropyResult {
  /** Mean negative log-likelihood in nats over counted positions (0 when none count). */
  loss: number;
  /** Positions that counted. */
  count: number;
}

/**
 * logits[N,V] → loss; writes dLogits[N,V] = (softmax − onehot)/count (zeros at ignored rows).
 * Pass `dLogits = null` to skip the gradient (evaluation).
 */
export function crossEntropy(
  logits: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
  dLogits: Float32Array | null,
): CrossEntropyResult {
  let count = 0;
  for (let n = 0; n < N; n++) if (targets[n] >= 0) count++;
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const o = n * V;
    const target = targets[n];
    if (target < 0) {
      if (dLogits) dLogits.fill(0, o, o + V);
      continue;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < V; i++) if (logits[o + i] > max) max = logits[o + i];
    let sum = 0;
    for (let i = 0; i < V; i++) sum += Math.exp(logits[o + i] - max);
    const logSum = Math.log(sum) + max;
    loss += logSum - logits[o + target];
    if (dLogits) {
      for (let i = 0; i < V; i++) dLogits[o + i] = Math.exp(logits[o + i] - logSum) / count;
      dLogits[o + target] -= 1 / count;
    }
  }
  return { loss: count > 0 ? loss / count : 0, count };
}
