/**
 * Causal multi-head scaled dot-product attention over already projected (and rotated) q, k, v.
 * Rows are tokens: q/k/v/out are [B·T, heads·headDim], sequence b occupying rows b·T … b·T+T−1.
 * The softmax probabilities are kept, [B, heads, T, T] (upper triangle unused), for the backward pass.
 */

export interface AttentionShape {
  /** Sequences in the batch. */
  B: number;
  /** Positions per sequence. */
  T: number;
  heads: number;
  headDim: number;
}

/** out = softmax(q·kᵀ/√headDim, causal) · v; fills probs. */
export function attentionForward(
  out: Float32Array,
  probs: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  { B, T, heads, headDim }: AttentionShape,
): void {
  const D = heads * headDim;
  const scale = 1 / Math.sqrt(headDim);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      const pBase = (b * heads + h) * T * T;
      for (let t = 0; t < T; t++) {
        const qo = (b * T + t) * D + h * headDim;
        const pRow = pBase + t * T;
        // scores[s] = q_t · k_s · scale for s ≤ t, then a numerically safe softmax.
        let max = Number.NEGATIVE_INFINITY;
        for (let s = 0; s <= t; s++) {
          const ko = (b * T + s) * D + h * headDim;
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += q[qo + i] * k[ko + i];
          dot *= scale;
          probs[pRow + s] = dot;
          if (dot > max) max = dot;
        }
        let sum = 0;
        for (let s = 0; s <= t; s++) {
          const e = Math.exp(probs[pRow + s] - max);
          probs[pRow + s] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let i = 0; i < headDim; i++) out[qo + i] = 0;
        for (let s = 0; s <= t; s++) {
          const p = probs[pRow + s] * inv;
          probs[pRow + s] = p;
          const vo = (b * T + s) * D + h * headDim;
          for (let i = 0; i < headDim; i++) out[qo + i] += p * v[vo + i];
        }
      }
    }
  }
}

/**
 * Given dOut, adds into dq, dk, dv. With P the probabilities and dP[t,s] = dOut_t · v_s:
 * dv_s += Σ_t P[t,s]·dOut_t, dS = P ∘ (dP − Σ_s P·dP), dq_t += scale·Σ_s dS[t,s]·k_s, dk_s += scale·Σ_t dS[t,s]·q_t.
 */
export function attentionBackward(
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
  dOut: Float32Array,
  probs: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  { B, T, heads, headDim }: AttentionShape,
  scratch: Float32Array = new Float32Array(T),
): void {
  const D = heads * headDim;
  const scale = 1 / Math.sqrt(headDim);
  const dP = scratch;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      const pBase = (b * heads + h) * T * T;
      for (let t = 0; t < T; t++) {
        const qo = (b * T + t) * D + h * headDim;
        const pRow = pBase + t * T;
        let weighted = 0;
        for (let s = 0; s <= t; s++) {
          const vo = (b * T + s) * D + h * headDim;
          const p = probs[pRow + s];
          let dot = 0;
          for (let i = 0; i < headDim; i++) {
            dot += dOut[qo + i] * v[vo + i];
            dv[vo + i] += p * dOut[qo + i];
          }
          dP[s] = dot;
          weighted += p * dot;
        }
        for (let s = 0; s <= t; s++) {
          const dS = probs[pRow + s] * (dP[s] - weighted) * scale;
          const ko = (b * T + s) * D + h * headDim;
          for (let i = 0; i < headDim; i++) {
            dq[qo + i] += dS * k[ko + i];
            dk[ko + i] += dS * q[qo + i];
          }
        }
      }
    }
  }
}
