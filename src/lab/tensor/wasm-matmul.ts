/**
 * The three matmul kinds on the WebAssembly SIMD kernel (wasm-abt-module.ts), which computes only
 * A·Bᵀ with both operands read along K. Each call copies its operands into the module's memory in
 * that form — B transposed for A·B and Aᵀ·B, A transposed for Aᵀ·B — padded with zeros to the
 * kernel's multiples (rows of 2, columns of 4, K of 4), then copies the result rows back.
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
  private readonly memory: WasmMemory;
  private heap: Float32Array;

  constructor() {
    const module = wasmModule();
    if (!module || !wasm) throw new RangeError("WebAssembly SIMD is not available");
    const instance = new wasm.Instance(module, {});
    const exports = instance.exports as { abt: WasmMatmul["abt"]; memory: WasmMemory };
    this.abt = exports.abt;
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
    // A' [Mp, Kp]: row r is output row rowStart + r along K.
    if (kind === "atb") {
      // a is [K, M]: column i is output row i.
      for (let p = 0; p < K; p++) {
        const src = p * M + rowStart;
        for (let r = 0; r < rows; r++) heap[aAt + r * Kp + p] = a[src + r];
      }
    } else if (Kp === K) {
      heap.set(a.subarray(rowStart * K, rowEnd * K), aAt);
    } else {
      for (let r = 0; r < rows; r++)
        heap.set(a.subarray((rowStart + r) * K, (rowStart + r + 1) * K), aAt + r * Kp);
    }
    // B' [Np, Kp]: row j is output column j along K.
    if (kind === "abt") {
      if (Kp === K) heap.set(b.subarray(0, N * K), bAt);
      else for (let j = 0; j < N; j++) heap.set(b.subarray(j * K, (j + 1) * K), bAt + j * Kp);
    } else {
      // b is [K, N]: transpose.
      for (let p = 0; p < K; p++) {
        const src = p * N;
        for (let j = 0; j < N; j++) heap[bAt + j * Kp + p] = b[src + j];
      }
    }
    this.abt(oAt * 4, aAt * 4, bAt * 4, Mp, Np, Kp);
    for (let r = 0; r < rows; r++) {
      const o = (rowStart + r) * N;
      const src = oAt + r * Np;
      if (accumulate) for (let j = 0; j < N; j++) out[o + j] += heap[src + j];
      else if (Np === N) out.set(heap.subarray(src, src + N), o);
      else for (let j = 0; j < N; j++) out[o + j] = heap[src + j];
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
