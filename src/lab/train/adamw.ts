/**
 * AdamW (Loshchilov & Hutter 2019) over one flat parameter buffer, with decoupled weight decay
 * applied only where `decayMask` is 1 (matrices, not norm gains), and global-norm gradient clipping.
 */

export interface AdamWOptions {
  /** First-moment decay. Default 0.9. */
  beta1?: number;
  /** Second-moment decay. Default 0.95 (nanoGPT's choice for small batches). */
  beta2?: number;
  /** Added to √v. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay per unit learning rate. Default 0.1. */
  weightDecay?: number;
}

export class AdamW {
  /** First and second moments, same layout as the parameters (saved in checkpoints). */
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Updates taken so far (for bias correction). */
  step = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly decayMask: Uint8Array;

  constructor(size: number, decayMask: Uint8Array, options: AdamWOptions = {}) {
    const { beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weightDecay = 0.1 } = options;
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decayMask = decayMask;
  }

  /** params -= lr · (m̂ / (√v̂ + eps) + weightDecay · params · mask). */
  update(params: Float32Array, grads: Float32Array, lr: number): void {
    this.step++;
    const { beta1, beta2, eps, m, v } = this;
    const c1 = 1 / (1 - beta1 ** this.step);
    const c2 = 1 / (1 - beta2 ** this.step);
    const decay = lr * this.weightDecay;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      if (this.decayMask[i]) params[i] -= decay * params[i];
      params[i] -= (lr * m[i] * c1) / (Math.sqrt(v[i] * c2) + eps);
    }
  }
}

/** Scales `grads` so their global L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipGradNorm(grads: Float32Array, maxNorm: number): number {
  let sumSq = 0;
  for (let i = 0; i < grads.length; i++) sumSq += grads[i] * grads[i];
  const norm = Math.sqrt(sumSq);
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (let i = 0; i < grads.length; i++) grads[i] *= scale;
  }
  return norm;
}
