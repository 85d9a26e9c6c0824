import assert from "node:assert/strict";
import { test } from "node:test";
import { attentionBackward, attentionForward, type Matmul } from "../../../src/lab/model/layers/attention.ts";
import { crossEntropy } from "../../../src/lab/model/layers/cross-entropy.ts";
import { rmsnormBackward, rmsnormForward } from "../../../src/lab/model/layers/rmsnorm.ts";
import { applyRope } from "../../../src/lab/model/layers/rope.ts";
import { swigluBackward, swigluForward } from "../../../src/lab/model/layers/swiglu.ts";
import { Random } from "../../../src/lab/random.ts";
import { MatmulPool } from "../../../src/lab/tensor/matmul-pool.ts";
import { checkGradient, project, randomArray } from "../gradient-check.ts";

test("rmsnorm: gradients w.r.t. input and gain match finite differences", () => {
  const random = new Random(1);
  const N = 3;
  const D = 8;
  const x = randomArray(N * D, random);
  const w = randomArray(D, random);
  const r = randomArray(N * D, random);
  const y = new Float32Array(N * D);
  const inv = new Float32Array(N);
  const loss = () => {
    rmsnormForward(y, inv, x, w, N, D, 1e-5);
    return project(y, r);
  };
  loss();
  const dx = new Float32Array(N * D);
  const dw = new Float32Array(D);
  rmsnormBackward(dx, dw, r, x, w, inv, N, D);
  checkGradient("dx", loss, x, dx);
  checkGradient("dw", loss, w, dw);
});

test("rope: rotates adjacent pairs by pos·theta^(-2i/d) and the inverse undoes it", () => {
  // One head of 4 dims at position 1 with theta 100: pair 0 turns by 1 rad, pair 1 by 0.1 rad.
  const x = new Float32Array([0, 0, 0, 0, 1, 0, 0, 1]); // rows: position 0, position 1
  applyRope(x, 2, 2, 1, 4, 100);
  assert.deepEqual([...x.subarray(0, 4)], [0, 0, 0, 0]);
  assert.ok(Math.abs(x[4] - Math.cos(1)) < 1e-6 && Math.abs(x[5] - Math.sin(1)) < 1e-6);
  assert.ok(Math.abs(x[6] + Math.sin(0.1)) < 1e-6 && Math.abs(x[7] - Math.cos(0.1)) < 1e-6);
  applyRope(x, 2, 2, 1, 4, 100, true);
  assert.ok(Math.abs(x[4] - 1) < 1e-6 && Math.abs(x[5]) < 1e-6 && Math.abs(x[7] - 1) < 1e-6);
});

test("attention: gradients w.r.t. q, k, v match finite differences; the future is masked", () => {
  const random = new Random(2);
  const shape = { B: 2, T: 4, heads: 2, headDim: 4 };
  const N = shape.B * shape.T;
  const D = shape.heads * shape.headDim;
  const q = randomArray(N * D, random);
  const k = randomArray(N * D, random);
  const v = randomArray(N * D, random);
  const r = randomArray(N * D, random);
  const out = new Float32Array(N * D);
  const probs = new Float32Array(shape.B * shape.heads * shape.T * shape.T);
  const loss = () => {
    attentionForward(out, probs, q, k, v, shape);
    return project(out, r);
  };
  const before = loss();
  const saved = out.slice();
  // Changing the last position's value must not change earlier outputs.
  v[(shape.T - 1) * D] += 5;
  loss();
  assert.deepEqual([...out.subarray(0, (shape.T - 1) * D)], [...saved.subarray(0, (shape.T - 1) * D)]);
  v[(shape.T - 1) * D] -= 5;
  assert.ok(Math.abs(loss() - before) < 1e-5);
  const dq = new Float32Array(N * D);
  const dk = new Float32Array(N * D);
  const dv = new Float32Array(N * D);
  attentionBackward(dq, dk, dv, r, probs, q, k, v, shape);
  checkGradient("dq", loss, q, dq);
  checkGradient("dk", loss, k, dk);
  checkGradient("dv", loss, v, dv);
  // The SIMD kernels (what the model uses) give the same outputs and gradients as the JavaScript ones.
  const pool = new MatmulPool({ threads: 1, kernel: "wasm" });
  const simd: Matmul = (kind, o, a, b, M, N, K, acc) => pool.matmul(kind, o, a, b, M, N, K, acc);
  const outSimd = new Float32Array(N * D);
  attentionForward(outSimd, new Float32Array(probs.length), q, k, v, shape, simd);
  loss();
  for (let i = 0; i < N * D; i++) assert.ok(Math.abs(outSimd[i] - out[i]) < 1e-5);
  const dqSimd = new Float32Array(N * D);
  attentionBackward(dqSimd, new Float32Array(N * D), new Float32Array(N * D), r, probs, q, k, v, shape, simd);
  for (let i = 0; i < N * D; i++) assert.ok(Math.abs(dqSimd[i] - dq[i]) < 1e-5);
});

test("swiglu: gradients w.r.t. gate and up match finite differences", () => {
  const random = new Random(3);
  const n = 20;
  const g = randomArray(n, random, 2);
  const u = randomArray(n, random);
  const r = randomArray(n, random);
  const a = new Float32Array(n);
  const loss = () => {
    swigluForward(a, g, u, n);
    return project(a, r);
  };
  loss();
  const dg = new Float32Array(n);
  const du = new Float32Array(n);
  swigluBackward(dg, du, r, g, u, n);
  checkGradient("dg", loss, g, dg);
  checkGradient("du", loss, u, du);
});

test("cross-entropy: ignores untargeted rows and its gradient matches finite differences", () => {
  const random = new Random(4);
  const N = 4;
  const V = 6;
  const logits = randomArray(N * V, random, 2);
  const targets = new Int32Array([2, -1, 5, 0]);
  const dLogits = new Float32Array(N * V);
  const { loss, count } = crossEntropy(logits, targets, N, V, dLogits);
  assert.equal(count, 3);
  assert.ok(loss > 0);
  assert.deepEqual([...dLogits.subarray(V, 2 * V)], new Array(V).fill(0));
  // Uniform logits cost exactly ln(V).
  const uniform = crossEntropy(new Float32Array(V), new Int32Array([1]), 1, V, null);
  assert.ok(Math.abs(uniform.loss - Math.log(V)) < 1e-9);
  checkGradient("dlogits", () => crossEntropy(logits, targets, N, V, null).loss, logits, dLogits, {
    atol: 1e-4,
  });
});
