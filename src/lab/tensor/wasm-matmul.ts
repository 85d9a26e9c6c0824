/**
 * The three matmul kinds on the WebAssembly SIMD kernels (wasm-abt-module.ts): A·Bᵀ on `abt` (both
 * operands read along K), A·B and Aᵀ·B on `ab` (SIMD along N, A read through strides). Each call
 * copies its operands into the module's memory, padded with zeros to the kernel's multiples, then
 * copies the result rows back.
 * The copies are O(M·K + N·K + M·N) against O(M·N·K) multiply-adds: a few percent at our sizes.
 * One instance per thread (its memory is private); the pool's workers each make their own.
 */
import type { MatmulKind } from "./matmul-pool.ts";
import { wasmAbtModuleBytes } from "./wasm-abt-module.ts";

// The project's TypeScript libs (ES2023 + node) do not declare WebAssembly; this is the part we use.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65_536;
let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
function wasmModule(): object | null {
  if (compiled === undefined) {
    const bytes = wasmAbtModuleBytes();
    compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled;
}

export function wasmMatmulAvailable(): boolean {
  return wasmModule() !== null;
}

export class WasmMatmul {
  private readonly abt: (out: number, a: number, b: number, M: number, N: number, K: number) => void;
  private readonly ab: (
    out: number,
    a: number,
    b: number,
    M: number,
    N: number,
    K: number,
    sRow: number,
    sCol: number,
  ) => void;
  private readonly memory: WasmMemory;
  private heap: Float32Array;

  constructor() {
    const module = wasmModule();
    if (!module || !wasm) throw new RangeError("WebAssembly SIMD is not available");
    const instance = new wasm.Instance(module, {});
    const exports = instance.exports as { abt: WasmMatmul["abt"]; ab: WasmMatmul["ab"]; memory: WasmMemory };
    this.abt = exports.abt;
    this.ab = exports.ab;
    this.memory = exports.memory;
    this.heap = new Float32Array(this.memory.buffer);
  }

  /** out (+)= op(a, b) for output rows [rowStart, rowEnd), like the JavaScript kernels in matmul.ts. */
  matmul(
    kind: MatmulKind,
    out: Float32Array,
    a: Float32Array,
    b: Float32Array,
    M: number,
    N: number,
    K: number,
    accumulate: boolean,
    rowStart = 0,
    rowEnd = M,
  ): void {
    const rows = rowEnd - rowStart;
    if (rows <= 0) return;
    if (kind !== "abt") {
      this.outerProduct(kind, out, a, b, M, N, K, accumulate, rowStart, rowEnd);
      return;
    }
    const Mp = Math.ceil(rows / 2) * 2;
    const Np = Math.ceil(N / 4) * 4;
    const Kp = Math.ceil(K / 4) * 4;
    const aAt = 0;
    const bAt = Mp * Kp;
    const oAt = bAt + Np * Kp;
    this.reserve(oAt + Mp * Np);
    const heap = this.heap;
    // Padding must be zero; the kernel reads it. Clearing only what padding exists keeps copies cheap.
    if (Kp !== K || Mp !== rows) heap.fill(0, aAt, bAt);
    if (Kp !== K || Np !== N) heap.fill(0, bAt, oAt);
    // A' [Mp, Kp]: the slice of rows; B' [Np, Kp]: all of b. Both are read along K.
    if (Kp === K) heap.set(a.subarray(rowStart * K, rowEnd * K), aAt);
    else
      for (let r = 0; r < rows; r++)
        heap.set(a.subarray((rowStart + r) * K, (rowStart + r + 1) * K), aAt + r * Kp);
    if (Kp === K) heap.set(b.subarray(0, N * K), bAt);
    else for (let j = 0; j < N; j++) heap.set(b.subarray(j * K, (j + 1) * K), bAt + j * Kp);
    this.abt(oAt * 4, aAt * 4, bAt * 4, Mp, Np, Kp);
    for (let r = 0; r < rows; r++) {
      const o = (rowStart + r) * N;
      const src = oAt + r * Np;
      if (accumulate) for (let j = 0; j < N; j++) out[o + j] += heap[src + j];
      else if (Np === N) out.set(heap.subarray(src, src + N), o);
      else for (let j = 0; j < N; j++) out[o + j] = heap[src + j];
    }
  }

  /**
   * A·B and Aᵀ·B on the `ab` kernel (SIMD along N, A read through strides): no transposes, only
   * plain copies of a, b (rows padded to a multiple of 8) and the result.
   */
  private outerProduct(
    kind: "ab" | "atb",
    out: Float32Array,
    a: Float32Array,
    b: Float32Array,
    M: number,
    N: number,
    K: number,
    accumulate: boolean,
    rowStart: number,
    rowEnd: number,
  ): void {
    const rows = rowEnd - rowStart;
    const Mp = Math.ceil(rows / 4) * 4;
    const Np = Math.ceil(N / 8) * 8;
    // A': for A·B the slice of rows (stride K), for Aᵀ·B all of a (stride 1 across rows, M down K).
    // The kernel may read up to 3 rows past the last real one (discarded), so reserve slack.
    const aFloats = kind === "ab" ? Mp * K : K * M + 4;
    const aAt = 0;
    const bAt = Math.ceil(aFloats / 4) * 4;
    const oAt = bAt + K * Np;
    this.reserve(oAt + Mp * Np);
    const heap = this.heap;
    let aStart = aAt;
    if (kind === "ab") heap.set(a.subarray(rowStart * K, rowEnd * K), aAt);
    else {
      heap.set(a.subarray(0, K * M), aAt);
      aStart = aAt + rowStart;
    }
    if (Np === N) heap.set(b.subarray(0, K * N), bAt);
    else {
      for (let p = 0; p < K; p++) {
        heap.set(b.subarray(p * N, (p + 1) * N), bAt + p * Np);
        heap.fill(0, bAt + p * Np + N, bAt + (p + 1) * Np);
      }
    }
    const [sRow, sCol] = kind === "ab" ? [K, 1] : [1, M];
    this.ab(oAt * 4, aStart * 4, bAt * 4, Mp, Np, K, sRow, sCol);
    for (let r = 0; r < rows; r++) {
      const o = (rowStart + r) * N;
      const src = oAt + r * Np;
      if (accumulate) for (let j = 0; j < N; j++) out[o + j] += heap[src + j];
      else out.set(heap.subarray(src, src + N), o);
    }
  }

  /** Grows the module's memory to hold `floats` floats; the old heap view is replaced. */
  private reserve(floats: number): void {
    const bytes = floats * 4;
    if (bytes <= this.memory.buffer.byteLength) return;
    this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / PAGE));
    this.heap = new Float32Array(this.memory.buffer);
  }
}
