/**
 * Token-by-token inference with a KV cache, for evaluation and sampling in our own forward pass.
 * Same math as LlamaModel.forward, one row at a time: position p attends to the cached k/v of
 * positions 0…p, so a whole generation costs one pass over each token instead of one per prefix.
 */

import type { Random } from "../random.ts";
import { matmulABt } from "../tensor/matmul.ts";
import { rmsnormForward } from "./layers/rmsnorm.ts";
import { applyRope } from "./layers/rope.ts";
import { swigluForward } from "./layers/swiglu.ts";
import type { LlamaModel } from "./llama-model.ts";

export interface GenerateOptions {
  /** Most new tokens. */
  maxTokens: number;
  /** 0 = greedy (argmax); otherwise softmax temperature. Default 0. */
  temperature?: number;
  /** Required when temperature > 0. */
  random?: Random;
  /** Generation stops after emitting this token (it is included). */
  stopId?: number;
}

export class KvCacheDecoder {
  readonly logits: Float32Array;
  private readonly model: LlamaModel;
  private readonly capacity: number;
  private readonly keys: Float32Array[]; // per layer [capacity, D], after RoPE
  private readonly values: Float32Array[]; // per layer [capacity, D]
  private position = 0;
  // One-row scratch.
  private readonly x: Float32Array;
  private readonly h: Float32Array;
  private readonly q: Float32Array;
  private readonly att: Float32Array;
  private readonly proj: Float32Array;
  private readonly g: Float32Array;
  private readonly u: Float32Array;
  private readonly scores: Float32Array;
  private readonly inv = new Float32Array(1);
  private readonly w: (name: string) => Float32Array;

  constructor(model: LlamaModel, capacity = model.config.contextLength) {
    const { dim: D, ffnDim: F, vocabSize: V, layers } = model.config;
    this.model = model;
    this.capacity = capacity;
    this.keys = Array.from({ length: layers }, () => new Float32Array(capacity * D));
    this.values = Array.from({ length: layers }, () => new Float32Array(capacity * D));
    this.x = new Float32Array(D);
    this.h = new Float32Array(D);
    this.q = new Float32Array(D);
    this.att = new Float32Array(D);
    this.proj = new Float32Array(D);
    this.g = new Float32Array(F);
    this.u = new Float32Array(F);
    this.scores = new Float32Array(capacity);
    this.logits = new Float32Array(V);
    const cache = new Map<string, Float32Array>();
    this.w = (name) => {
      const known = cache.get(name);
      if (known) return known;
      const view = model.tensor(name);
      cache.set(name, view);
      return view;
    };
  }

  /** Tokens consumed so far. */
  get length(): number {
    return this.position;
  }

  reset(): void {
    this.position = 0;
  }

  /**
   * Forgets every position from `length` on, so the next `step` continues after the first `length`
   * tokens: branching several continuations from one shared prefix without feeding it again (the
   * PRM stage's rollouts). `logits` still holds the last step's; keep a copy from the branch point.
   */
  truncate(length: number): void {
    if (!(Number.isInteger(length) && length >= 0 && length <= this.position)) {
      throw new RangeError(`cannot truncate ${this.position} cached tokens to ${length}`);
    }
    this.position = length;
  }

  /** Feeds one token at the next position; returns the logits for the token after it. */
  step(token: number): Float32Array {
    const { dim: D, ffnDim: F, vocabSize: V, heads, layers, normEps, ropeTheta } = this.model.config;
    if (this.position >= this.capacity) throw new RangeError(`KV cache full at ${this.capacity} tokens`);
    const headDim = D / heads;
    const pos = this.position;
    const { x, h, q, att, proj, g, u, scores, inv } = this;
    x.set(this.w("token_embd.weight").subarray(token * D, token * D + D));
    for (let l = 0; l < layers; l++) {
      const k = this.keys[l].subarray(pos * D, pos * D + D);
      const v = this.values[l].subarray(pos * D, pos * D + D);
      rmsnormForward(h, inv, x, this.w(`blk.${l}.attn_norm.weight`), 1, D, normEps);
      matmulABt(q, h, this.w(`blk.${l}.attn_q.weight`), 1, D, D, false);
      matmulABt(k, h, this.w(`blk.${l}.attn_k.weight`), 1, D, D, false);
      matmulABt(v, h, this.w(`blk.${l}.attn_v.weight`), 1, D, D, false);
      applyRope(q, 1, 1, heads, headDim, ropeTheta, false, pos);
      applyRope(k, 1, 1, heads, headDim, ropeTheta, false, pos);
      const keys = this.keys[l];
      const values = this.values[l];
      const scale = 1 / Math.sqrt(headDim);
      for (let hd = 0; hd < heads; hd++) {
        const o = hd * headDim;
        let max = Number.NEGATIVE_INFINITY;
        for (let s = 0; s <= pos; s++) {
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += q[o + i] * keys[s * D + o + i];
          scores[s] = dot * scale;
          if (scores[s] > max) max = scores[s];
        }
        let sum = 0;
        for (let s = 0; s <= pos; s++) sum += scores[s] = Math.exp(scores[s] - max);
        att.fill(0, o, o + headDim);
        for (let s = 0; s <= pos; s++) {
          const p = scores[s] / sum;
          for (let i = 0; i < headDim; i++) att[o + i] += p * values[s * D + o + i];
        }
      }
      matmulABt(proj, att, this.w(`blk.${l}.attn_output.weight`), 1, D, D, false);
      for (let i = 0; i < D; i++) x[i] += proj[i];
      rmsnormForward(h, inv, x, this.w(`blk.${l}.ffn_norm.weight`), 1, D, normEps);
      matmulABt(g, h, this.w(`blk.${l}.ffn_gate.weight`), 1, F, D, false);
      matmulABt(u, h, this.w(`blk.${l}.ffn_up.weight`), 1, F, D, false);
      swigluForward(g, g, u, F);
      matmulABt(proj, g, this.w(`blk.${l}.ffn_down.weight`), 1, D, F, false);
      for (let i = 0; i < D; i++) x[i] += proj[i];
    }
    rmsnormForward(h, inv, x, this.w("output_norm.weight"), 1, D, normEps);
    matmulABt(this.logits, h, this.w("output.weight"), 1, V, D, false);
    this.position++;
    return this.logits;
  }

  /**
   * Resets, feeds `prompt`, then generates up to `maxTokens` new tokens (greedy or sampled).
   * Stops at `stopId` or when the cache is full. Returns the new tokens only.
   */
  generate(prompt: number[], { maxTokens, temperature = 0, random, stopId }: GenerateOptions): number[] {
    this.reset();
    let logits = this.logits;
    for (const token of prompt) logits = this.step(token);
    const out: number[] = [];
    while (out.length < maxTokens) {
      const next = temperature > 0 ? sample(logits, temperature, random) : argmax(logits);
      out.push(next);
      if (next === stopId || this.position >= this.capacity) break;
      logits = this.step(next);
    }
    return out;
  }
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Draws from softmax(logits / temperature). */
export function sample(logits: Float32Array, temperature: number, random: Random | undefined): number {
  if (!random) throw new RangeError("sampling needs a seeded Random");
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] - max) / temperature);
  let r = random.next() * sum;
  for (let i = 0; i < logits.length; i++) {
    r -= Math.exp((logits[i] - max) / temperature);
    if (r <= 0) return i;
  }
  return logits.length - 1;
}
