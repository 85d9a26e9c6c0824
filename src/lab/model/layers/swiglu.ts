/**
 * The SwiGLU gate of llama's feed-forward: a = silu(g) ∘ u, with silu(g) = g·σ(g).
 */

/** a[n] = silu(g[n]) · u[n] for the first `length` entries. */
export function swigluForward(a: Float32Array, g: Float32Array, u: Float32Array, length: number): void {
  for (let n = 0; n < length; n++) {
    const x = g[n];
    a[n] = (x / (1 + Math.exp(-x))) * u[n];
  }
}

/** Sets dg and du from da: du = da·silu(g), dg = da·u·σ(g)·(1 + g·(1 − σ(g))). */
export function swigluBackward(
  dg: Float32Array,
  du: Float32Array,
  da: Float32Array,
  g: Float32Array,
  u: Float32Array,
  length: number,
): void {
  for (let n = 0; n < length; n++) {
    const x = g[n];
    const sig = 1 / (1 + Math.exp(-x));
    du[n] = da[n] * x * sig;
    dg[n] = da[n] * u[n] * sig * (1 + x * (1 - sig));
  }
}
