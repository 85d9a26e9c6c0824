/**
 * RMSNorm as llama.cpp computes it: y = x / sqrt(mean(x²) + eps) · w, per row of D features.
 */

/** y[N,D] = rmsnorm(x[N,D]) · w[D]; saves 1/rms per row in invRms[N] for the backward pass. */
export function rmsnormForward(
  y: Float32Array,
  invRms: Float32Array,
  x: Float32Array,
  w: Float32Array,
  N: number,
  D: number,
  eps: number,
): void {
  for (let n = 0; n < N; n++) {
    const o = n * D;
    let ss = 0;
    for (let i = 0; i < D; i++) ss += x[o + i] * x[o + i];
    const r = 1 / Math.sqrt(ss / D + eps);
    invRms[n] = r;
    for (let i = 0; i < D; i++) y[o + i] = x[o + i] * r * w[i];
  }
}

/**
 * Given dy[N,D], adds into dx[N,D] and dw[D].
 * With x̂ = x·r: dw += Σ_n dy·x̂, and dx = r·(dy·w − x̂ · mean(dy·w·x̂)).
 */
export function rmsnormBackward(
  dx: Float32Array,
  dw: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  invRms: Float32Array,
  N: number,
  D: number,
): void {
  for (let n = 0; n < N; n++) {
    const o = n * D;
    const r = invRms[n];
    let dot = 0;
    for (let i = 0; i < D; i++) {
      const xh = x[o + i] * r;
      dw[i] += dy[o + i] * xh;
      dot += dy[o + i] * w[i] * xh;
    }
    dot /= D;
    for (let i = 0; i < D; i++) dx[o + i] += r * (dy[o + i] * w[i] - x[o + i] * r * dot);
  }
}
