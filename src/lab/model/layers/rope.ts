/**
 * Rotary position embeddings in llama.cpp's NORMAL mode (the one `general.architecture = llama`
 * uses): within each head, adjacent pairs (x[2i], x[2i+1]) rotate by angle pos · theta^(−2i/headDim).
 * We train from scratch in this layout, so q/k export unpermuted.
 */

/**
 * Rotates x[N, heads·headDim] in place; row n is position `n % T` of its sequence.
 * `inverse` rotates by −angle: the backward pass of a rotation is the opposite rotation.
 */
export function applyRope(
  x: Float32Array,
  N: number,
  T: number,
  heads: number,
  headDim: number,
  theta: number,
  inverse = false,
  positionOffset = 0,
): void {
  const D = heads * headDim;
  const half = headDim / 2;
  const sign = inverse ? -1 : 1;
  for (let n = 0; n < N; n++) {
    const pos = (n % T) + positionOffset;
    for (let i = 0; i < half; i++) {
      const angle = pos * theta ** ((-2 * i) / headDim);
      const c = Math.cos(angle);
      const s = sign * Math.sin(angle);
      for (let h = 0; h < heads; h++) {
        const o = n * D + h * headDim + 2 * i;
        const x0 = x[o];
        const x1 = x[o + 1];
        x[o] = x0 * c - x1 * s;
        x[o + 1] = x0 * s + x1 * c;
      }
    }
  }
}
