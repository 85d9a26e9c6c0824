import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../../src/lab/random.ts";
import { alloc } from "../../../src/lab/tensor/alloc.ts";
import { matmulAB, matmulABt, matmulAtB, matmulNaive } from "../../../src/lab/tensor/matmul.ts";
import { type MatmulKernel, MatmulPool } from "../../../src/lab/tensor/matmul-pool.ts";
import { WasmMatmul, wasmMatmulAvailable } from "../../../src/lab/tensor/wasm-matmul.ts";

function random(length: number, rng: Random): Float32Array {
  const out = alloc(length);
  for (let i = 0; i < length; i++) out[i] = rng.normal();
  return out;
}

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = alloc(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

// Sizes not multiples of 4 exercise the leftover rows and columns.
const shapes = [
  [1, 1, 1],
  [5, 7, 3],
  [9, 13, 17],
  [32, 24, 40],
];

test("matmul: A·B, A·Bᵀ and Aᵀ·B agree with the naive loop, overwrite and accumulate", () => {
  const rng = new Random(1);
  for (const [M, N, K] of shapes) {
    const a = random(M * K, rng);
    const b = random(K * N, rng);
    const expected = alloc(M * N);
    matmulNaive(expected, a, b, M, N, K);
    const out = random(M * N, rng);
    matmulAB(out, a, b, M, N, K, false);
    assert.ok(maxDiff(out, expected) < 1e-4, `ab ${M}x${N}x${K}`);
    matmulABt(out, a, transpose(b, K, N), M, N, K, false);
    assert.ok(maxDiff(out, expected) < 1e-4, `abt ${M}x${N}x${K}`);
    matmulAtB(out, transpose(a, M, K), b, M, N, K, false);
    assert.ok(maxDiff(out, expected) < 1e-4, `atb ${M}x${N}x${K}`);
    matmulAB(out, a, b, M, N, K, true);
    assert.ok(
      maxDiff(
        out,
        expected.map((x) => 2 * x),
      ) < 1e-4,
      `ab accumulate ${M}x${N}x${K}`,
    );
  }
});

test("wasm simd kernel: every kind, odd sizes, row ranges and accumulation agree with the naive loop", () => {
  assert.ok(wasmMatmulAvailable(), "Node 20 has WebAssembly SIMD");
  const wasm = new WasmMatmul();
  const rng = new Random(3);
  for (const [M, N, K] of [...shapes, [67, 30, 97], [256, 96, 1000]]) {
    const a = random(M * K, rng);
    const b = random(K * N, rng);
    const expected = alloc(M * N);
    matmulNaive(expected, a, b, M, N, K);
    const tolerance = 1e-5 * K;
    const out = random(M * N, rng);
    wasm.matmul("ab", out, a, b, M, N, K, false);
    assert.ok(maxDiff(out, expected) < tolerance, `ab ${M}x${N}x${K}: ${maxDiff(out, expected)}`);
    wasm.matmul("abt", out, a, transpose(b, K, N), M, N, K, false);
    assert.ok(maxDiff(out, expected) < tolerance, `abt ${M}x${N}x${K}`);
    wasm.matmul("atb", out, transpose(a, M, K), b, M, N, K, false);
    assert.ok(maxDiff(out, expected) < tolerance, `atb ${M}x${N}x${K}`);
    // Rows [1, M) accumulate onto the result: row 0 stays, the rest double.
    wasm.matmul("ab", out, a, b, M, N, K, true, Math.min(1, M), M);
    const doubled = expected.map((x, i) => (i < N ? x : 2 * x));
    assert.ok(maxDiff(out, doubled) < 2 * tolerance, `ab accumulate rows ${M}x${N}x${K}`);
  }
});

for (const kernel of ["wasm", "js"] satisfies MatmulKernel[])
  test(`matmul pool (${kernel}): two threads give the same result as one, for every kind`, async () => {
    const rng = new Random(2);
    const pool = new MatmulPool({ threads: 2, minParallelWork: 0, kernel });
    try {
      // The worker must really take part, or this test would only check the inline path.
      assert.equal(await pool.ready(), 1);
      for (const [M, N, K] of [...shapes, [67, 30, 20]]) {
        const a = random(M * K, rng);
        const b = random(K * N, rng);
        const bt = transpose(b, K, N);
        const at = transpose(a, M, K);
        const expected = alloc(M * N);
        matmulNaive(expected, a, b, M, N, K);
        const out = alloc(M * N);
        pool.matmul("ab", out, a, b, M, N, K);
        assert.ok(maxDiff(out, expected) < 1e-4, `ab ${M}`);
        pool.matmul("abt", out, a, bt, M, N, K);
        assert.ok(maxDiff(out, expected) < 1e-4, `abt ${M}`);
        pool.matmul("atb", out, at, b, M, N, K);
        assert.ok(maxDiff(out, expected) < 1e-4, `atb ${M}`);
        pool.matmul("atb", out, at, b, M, N, K, true);
        assert.ok(
          maxDiff(
            out,
            expected.map((x) => 2 * x),
          ) < 1e-4,
          `atb accumulate ${M}`,
        );
      }
    } finally {
      await pool.close();
    }
    // After close the pool still works, inline.
    const a = random(16, rng);
    const out = alloc(16);
    pool.matmul("ab", out, a, a, 4, 4, 4);
    const expected = alloc(16);
    matmulNaive(expected, a, a, 4, 4, 4);
    assert.ok(maxDiff(out, expected) < 1e-5);
  });
