/**
 * A llama-architecture decoder with a hand-written forward and backward pass (nanoGPT-sized):
 *
 *   x = embed(tokens)
 *   per block:  x = x + Wo · attention(rope(Wq·norm(x)), rope(Wk·norm(x)), Wv·norm(x))
 *               x = x + Wdown · (silu(Wgate·norm(x)) ∘ Wup·norm(x))
 *   logits = Wout · norm(x)
 *
 * All parameters live in one flat shared buffer (`params`, views per tensor), gradients in a second
 * one with the same layout, so the optimiser, clipping and checkpoints see plain arrays.
 * Batches are B sequences of exactly T tokens (padded), rows n = b·T + t.
 */

import { Random } from "../random.ts";
import { alloc } from "../tensor/alloc.ts";
import { type MatmulKind, MatmulPool } from "../tensor/matmul-pool.ts";
import { type LlamaConfig, type TensorSpec, tensorLayout } from "./config.ts";
import { attentionBackward, attentionForward, type Matmul } from "./layers/attention.ts";
import { crossEntropy } from "./layers/cross-entropy.ts";
import { rmsnormBackward, rmsnormForward } from "./layers/rmsnorm.ts";
import { applyRope } from "./layers/rope.ts";
import { swigluBackward, swigluForward } from "./layers/swiglu.ts";

/** Views of one block's tensors inside a flat buffer. */
interface BlockTensors {
  attnNorm: Float32Array;
  wq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
  ffnNorm: Float32Array;
  wGate: Float32Array;
  wUp: Float32Array;
  wDown: Float32Array;
}

interface ModelTensors {
  embed: Float32Array;
  blocks: BlockTensors[];
  outNorm: Float32Array;
  output: Float32Array;
}

/** What one block keeps from the forward pass for the backward pass. */
interface BlockActivations {
  xIn: Float32Array; // [N,D] residual stream entering the block
  h1: Float32Array; // [N,D] attn_norm(xIn)
  inv1: Float32Array; // [N]
  q: Float32Array; // [N,D] after RoPE
  k: Float32Array; // [N,D] after RoPE
  v: Float32Array; // [N,D]
  probs: Float32Array; // [B,H,T,T]
  att: Float32Array; // [N,D] attention output before Wo
  x2: Float32Array; // [N,D] after the attention residual
  h2: Float32Array; // [N,D] ffn_norm(x2)
  inv2: Float32Array; // [N]
  g: Float32Array; // [N,F]
  u: Float32Array; // [N,F]
  a: Float32Array; // [N,F] silu(g)·u
}

interface Activations {
  B: number;
  T: number;
  blocks: BlockActivations[];
  xOut: Float32Array; // [N,D] residual stream after the last block
  hf: Float32Array; // [N,D] output_norm(xOut)
  invf: Float32Array; // [N]
  logits: Float32Array; // [N,V]
  dLogits: Float32Array; // [N,V]
  // Backward scratch.
  dx: Float32Array; // [N,D] gradient of the residual stream
  dh: Float32Array; // [N,D]
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
  dAtt: Float32Array;
  dA: Float32Array; // [N,F]
  dG: Float32Array;
  dU: Float32Array;
}

export interface LlamaModelOptions {
  /** Seed for the initial weights. Default 1. */
  seed?: number;
  /** Shared matmul threads; default: a single-thread pool (no workers). */
  pool?: MatmulPool;
}

export interface ForwardResult {
  /** Mean cross-entropy over target positions, in nats. */
  loss: number;
  /** Positions with a target. */
  count: number;
}

export class LlamaModel {
  readonly config: LlamaConfig;
  readonly layout: TensorSpec[];
  /** Every weight, flat, in `layout` order. */
  readonly params: Float32Array;
  /** Gradients, same layout; `backward` adds into it, `zeroGrad` clears it. */
  readonly grads: Float32Array;
  readonly pool: MatmulPool;
  private readonly w: ModelTensors;
  private readonly g: ModelTensors;
  private acts: Activations | null = null;
  private storage: { rows: number; probsSize: number; buffer: Float32Array } | null = null;
  private lastTokens: Int32Array | null = null;

  constructor(
    config: LlamaConfig,
    { seed = 1, pool = new MatmulPool({ threads: 1 }) }: LlamaModelOptions = {},
  ) {
    if (config.dim % (2 * config.heads) !== 0) {
      throw new RangeError(`dim ${config.dim} must be a multiple of 2·heads (${2 * config.heads})`);
    }
    this.config = config;
    this.pool = pool;
    this.layout = tensorLayout(config);
    const total = this.layout.reduce((sum, spec) => sum + spec.size, 0);
    this.params = alloc(total);
    this.grads = alloc(total);
    this.w = this.views(this.params);
    this.g = this.views(this.grads);
    this.initialise(seed);
  }

  get headDim(): number {
    return this.config.dim / this.config.heads;
  }

  /** The view of a named tensor (GGUF name) inside `params`. */
  tensor(name: string): Float32Array {
    const spec = this.layout.find((s) => s.name === name);
    if (!spec) throw new RangeError(`no tensor named ${name}`);
    return this.params.subarray(spec.offset, spec.offset + spec.size);
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }

  /**
   * Runs B sequences of T tokens and returns the loss on `targets` (−1 = no target).
   * Keeps the activations for `backward`. tokens/targets: [B·T].
   */
  forward(tokens: Int32Array, targets: Int32Array, B: number, T: number): ForwardResult {
    const { dim: D, vocabSize: V, ffnDim: F, heads, normEps, ropeTheta } = this.config;
    const N = B * T;
    const acts = this.activations(B, T);
    this.lastTokens = tokens;
    let x = acts.blocks[0]?.xIn ?? acts.xOut;
    // x[N,D] = embed[tokens]
    for (let n = 0; n < N; n++) x.set(this.w.embed.subarray(tokens[n] * D, tokens[n] * D + D), n * D);
    const shape = { B, T, heads, headDim: this.headDim };
    for (let l = 0; l < this.config.layers; l++) {
      const w = this.w.blocks[l];
      const s = acts.blocks[l];
      const xNext = l + 1 < this.config.layers ? acts.blocks[l + 1].xIn : acts.xOut;
      // Attention half.
      rmsnormForward(s.h1, s.inv1, x, w.attnNorm, N, D, normEps);
      this.mm("abt", s.q, s.h1, w.wq, N, D, D);
      this.mm("abt", s.k, s.h1, w.wk, N, D, D);
      this.mm("abt", s.v, s.h1, w.wv, N, D, D);
      applyRope(s.q, N, T, heads, this.headDim, ropeTheta);
      applyRope(s.k, N, T, heads, this.headDim, ropeTheta);
      attentionForward(s.att, s.probs, s.q, s.k, s.v, shape, this.matmul);
      this.mm("abt", s.x2, s.att, w.wo, N, D, D);
      for (let i = 0; i < N * D; i++) s.x2[i] += x[i];
      // Feed-forward half.
      rmsnormForward(s.h2, s.inv2, s.x2, w.ffnNorm, N, D, normEps);
      this.mm("abt", s.g, s.h2, w.wGate, N, F, D);
      this.mm("abt", s.u, s.h2, w.wUp, N, F, D);
      swigluForward(s.a, s.g, s.u, N * F);
      this.mm("abt", xNext, s.a, w.wDown, N, D, F);
      for (let i = 0; i < N * D; i++) xNext[i] += s.x2[i];
      x = xNext;
    }
    rmsnormForward(acts.hf, acts.invf, acts.xOut, this.w.outNorm, N, D, normEps);
    this.mm("abt", acts.logits, acts.hf, this.w.output, N, V, D);
    return crossEntropy(acts.logits, targets, N, V, acts.dLogits);
  }

  /** The logits of the last forward pass, [B·T, V]. */
  get logits(): Float32Array {
    if (!this.acts) throw new RangeError("forward has not run");
    return this.acts.logits;
  }

  /**
   * d(loss)/d(logits) of the last forward pass, [B·T, V]. `forward` fills it with the cross-entropy
   * gradient; other objectives (GRPO's clipped surrogate) overwrite it before calling `backward`.
   */
  get dLogits(): Float32Array {
    if (!this.acts) throw new RangeError("forward has not run");
    return this.acts.dLogits;
  }

  /** Adds d(loss)/d(params) of the last forward pass into `grads`, starting from `dLogits`. */
  backward(): void {
    const acts = this.acts;
    const tokens = this.lastTokens;
    if (!acts || !tokens) throw new RangeError("backward needs a forward pass first");
    const { dim: D, vocabSize: V, ffnDim: F, heads } = this.config;
    const { B, T } = acts;
    const N = B * T;
    const shape = { B, T, heads, headDim: this.headDim };
    const { dx, dh } = acts;
    // logits = hf · Woutᵀ
    this.mm("atb", this.g.output, acts.dLogits, acts.hf, V, D, N, true);
    this.mm("ab", dh, acts.dLogits, this.w.output, N, D, V);
    dx.fill(0);
    rmsnormBackward(dx, this.g.outNorm, dh, acts.xOut, this.w.outNorm, acts.invf, N, D);
    for (let l = this.config.layers - 1; l >= 0; l--) {
      const w = this.w.blocks[l];
      const gw = this.g.blocks[l];
      const s = acts.blocks[l];
      // x3 = x2 + a · Wdownᵀ  (dx flows to x2 unchanged, plus through the FFN)
      this.mm("atb", gw.wDown, dx, s.a, D, F, N, true);
      this.mm("ab", acts.dA, dx, w.wDown, N, F, D);
      swigluBackward(acts.dG, acts.dU, acts.dA, s.g, s.u, N * F);
      this.mm("atb", gw.wGate, acts.dG, s.h2, F, D, N, true);
      this.mm("atb", gw.wUp, acts.dU, s.h2, F, D, N, true);
      this.mm("ab", dh, acts.dG, w.wGate, N, D, F);
      this.mm("ab", dh, acts.dU, w.wUp, N, D, F, true);
      rmsnormBackward(dx, gw.ffnNorm, dh, s.x2, w.ffnNorm, s.inv2, N, D);
      // x2 = xIn + att · Woᵀ
      this.mm("atb", gw.wo, dx, s.att, D, D, N, true);
      this.mm("ab", acts.dAtt, dx, w.wo, N, D, D);
      acts.dq.fill(0);
      acts.dk.fill(0);
      acts.dv.fill(0);
      attentionBackward(acts.dq, acts.dk, acts.dv, acts.dAtt, s.probs, s.q, s.k, s.v, shape, this.matmul);
      applyRope(acts.dq, N, T, heads, this.headDim, this.config.ropeTheta, true);
      applyRope(acts.dk, N, T, heads, this.headDim, this.config.ropeTheta, true);
      this.mm("atb", gw.wq, acts.dq, s.h1, D, D, N, true);
      this.mm("atb", gw.wk, acts.dk, s.h1, D, D, N, true);
      this.mm("atb", gw.wv, acts.dv, s.h1, D, D, N, true);
      this.mm("ab", dh, acts.dq, w.wq, N, D, D);
      this.mm("ab", dh, acts.dk, w.wk, N, D, D, true);
      this.mm("ab", dh, acts.dv, w.wv, N, D, D, true);
      rmsnormBackward(dx, gw.attnNorm, dh, s.xIn, w.attnNorm, s.inv1, N, D);
    }
    // x = embed[tokens]
    for (let n = 0; n < N; n++) {
      const e = tokens[n] * D;
      for (let i = 0; i < D; i++) this.g.embed[e + i] += dx[n * D + i];
    }
  }

  /** The pool's matmul as a plain function, for the attention layer's per-head products. */
  private readonly matmul: Matmul = (kind, out, a, b, M, N, K, accumulate = false) =>
    this.pool.matmul(kind, out, a, b, M, N, K, accumulate);

  private mm(
    kind: MatmulKind,
    out: Float32Array,
    a: Float32Array,
    b: Float32Array,
    M: number,
    N: number,
    K: number,
    accumulate = false,
  ): void {
    this.pool.matmul(kind, out, a, b, M, N, K, accumulate);
  }

  private views(buffer: Float32Array): ModelTensors {
    const byName = new Map(this.layout.map((s) => [s.name, buffer.subarray(s.offset, s.offset + s.size)]));
    const get = (name: string) => byName.get(name)!;
    return {
      embed: get("token_embd.weight"),
      blocks: Array.from({ length: this.config.layers }, (_, l) => ({
        attnNorm: get(`blk.${l}.attn_norm.weight`),
        wq: get(`blk.${l}.attn_q.weight`),
        wk: get(`blk.${l}.attn_k.weight`),
        wv: get(`blk.${l}.attn_v.weight`),
        wo: get(`blk.${l}.attn_output.weight`),
        ffnNorm: get(`blk.${l}.ffn_norm.weight`),
        wGate: get(`blk.${l}.ffn_gate.weight`),
        wUp: get(`blk.${l}.ffn_up.weight`),
        wDown: get(`blk.${l}.ffn_down.weight`),
      })),
      outNorm: get("output_norm.weight"),
      output: get("output.weight"),
    };
  }

  private initialise(seed: number): void {
    const random = new Random(seed);
    for (const spec of this.layout) {
      const view = this.params.subarray(spec.offset, spec.offset + spec.size);
      if (spec.init === "ones") view.fill(1);
      else for (let i = 0; i < view.length; i++) view[i] = random.normal() * spec.init.std;
    }
  }

  /**
   * Activation buffers for a B×T batch: views into storage sized for the largest batch seen, so
   * batches padded to different lengths reuse one allocation. Every buffer is [rows, width] or
   * [B, H, T, T], contiguous, so the first B·T rows of a larger buffer are exactly the right shape.
   */
  private activations(B: number, T: number): Activations {
    const { dim: D, vocabSize: V, ffnDim: F, heads, layers } = this.config;
    const N = B * T;
    const probsSize = B * heads * T * T;
    if (!this.storage || this.storage.rows < N || this.storage.probsSize < probsSize) {
      const rows = Math.max(N, this.storage?.rows ?? 0);
      const maxProbs = Math.max(probsSize, this.storage?.probsSize ?? 0);
      const perBlock = rows * (9 * D + 3 * F + 2) + maxProbs;
      const total = layers * perBlock + rows * (9 * D + 2 * V + 3 * F + 1);
      this.storage = { rows, probsSize: maxProbs, buffer: alloc(total) };
    }
    const { buffer, rows, probsSize: maxProbs } = this.storage;
    let offset = 0;
    // take(width) = the first N rows of the next [rows, width] region.
    const take = (width: number, length = N * width, capacity = rows * width) => {
      const view = buffer.subarray(offset, offset + length);
      offset += capacity;
      return view;
    };
    const blocks = Array.from({ length: layers }, () => ({
      xIn: take(D),
      h1: take(D),
      inv1: take(1),
      q: take(D),
      k: take(D),
      v: take(D),
      probs: take(0, probsSize, maxProbs),
      att: take(D),
      x2: take(D),
      h2: take(D),
      inv2: take(1),
      g: take(F),
      u: take(F),
      a: take(F),
    }));
    this.acts = {
      B,
      T,
      blocks,
      xOut: take(D),
      hf: take(D),
      invf: take(1),
      logits: take(V),
      dLogits: take(V),
      dx: take(D),
      dh: take(D),
      dq: take(D),
      dk: take(D),
      dv: take(D),
      dAtt: take(D),
      dA: take(F),
      dG: take(F),
      dU: take(F),
    };
    return this.acts;
  }
}
