/**
 * Splits matrix products across CPU cores with worker_threads while keeping the call synchronous,
 * so the forward/backward code reads like plain math.
 *
 * How: every tensor lives on a SharedArrayBuffer (see `alloc`). For each product the main thread
 * posts one job per worker (typed arrays over shared memory are shared, not copied), bumps a shared
 * counter and wakes the workers with Atomics.notify; each worker pulls its job with the synchronous
 * `receiveMessageOnPort`, computes its slice of output rows, and bumps a done counter. The main
 * thread computes the first slice itself, then blocks on Atomics.wait until every worker is done.
 * Small products run inline: waking a thread costs ~20 µs, a 64×64×64 product ~0.1 ms.
 */
import { availableParallelism } from "node:os";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { matmulAB, matmulABt, matmulAtB } from "./matmul.ts";
import { WasmMatmul, wasmMatmulAvailable } from "./wasm-matmul.ts";

/** Which product: `ab` = A·B, `abt` = A·Bᵀ, `atb` = Aᵀ·B (see matmul.ts). */
export type MatmulKind = "ab" | "abt" | "atb";

/** `wasm`: the SIMD kernel (wasm-matmul.ts); `js`: the register-blocked JavaScript loops (matmul.ts). */
export type MatmulKernel = "wasm" | "js";

export interface MatmulJob {
  kernel: MatmulKernel;
  kind: MatmulKind;
  out: Float32Array;
  a: Float32Array;
  b: Float32Array;
  M: number;
  N: number;
  K: number;
  accumulate: boolean;
  rowStart: number;
  rowEnd: number;
}

export interface MatmulPoolOptions {
  /** Threads in all, the main thread included; 1 runs everything inline. Default: the machine's cores, at most 8. */
  threads?: number;
  /** Products below this many multiply-adds run on the main thread alone. Default 65 536. */
  minParallelWork?: number;
  /** Which kernel computes products. Default `wasm` where WebAssembly SIMD works, else `js`. */
  kernel?: MatmulKernel;
}

// Row slices are multiples of 4 so every worker keeps its 4×4 blocks whole.
const ROW_ALIGN = 4;

/** Each worker's entry, beside this module: the tsx boot file from the sources, the worker body from dist/. */
const WORKER_ENTRY = import.meta.url.endsWith(".ts") ? "./matmul-worker-boot.mjs" : "./matmul-worker.js";

// One SIMD kernel instance per thread (module state is per thread), made on first use.
let wasmKernel: WasmMatmul | undefined;

export function runMatmulJob(job: MatmulJob): void {
  const { kernel, kind, out, a, b, M, N, K, accumulate, rowStart, rowEnd } = job;
  if (kernel === "wasm") {
    wasmKernel ??= new WasmMatmul();
    wasmKernel.matmul(kind, out, a, b, M, N, K, accumulate, rowStart, rowEnd);
    return;
  }
  switch (kind) {
    case "ab":
      matmulAB(out, a, b, M, N, K, accumulate, rowStart, rowEnd);
      return;
    case "abt":
      matmulABt(out, a, b, M, N, K, accumulate, rowStart, rowEnd);
      return;
    case "atb":
      matmulAtB(out, a, b, M, N, K, accumulate, rowStart, rowEnd);
      return;
    default:
      kind satisfies never;
  }
}

export class MatmulPool {
  /** Threads in use, the main thread included (1 after `close`). */
  threads: number;
  readonly kernel: MatmulKernel;
  private readonly minParallelWork: number;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  /** [0] = jobs posted, [1] = jobs finished, [2 + w] = 1 once worker w runs; shared with the workers. */
  private readonly counters: Int32Array;
  private posted = 0;

  constructor({
    threads = Math.min(availableParallelism(), 8),
    minParallelWork = 65_536,
    kernel = wasmMatmulAvailable() ? "wasm" : "js",
  }: MatmulPoolOptions = {}) {
    this.threads = Math.max(1, Math.floor(threads));
    this.kernel = kernel;
    this.minParallelWork = minParallelWork;
    this.counters = new Int32Array(new SharedArrayBuffer(4 * (2 + this.threads)));
    for (let w = 1; w < this.threads; w++) {
      const { port1, port2 } = new MessageChannel();
      // From the sources, the .mjs boot file registers tsx inside the worker, whatever loader the main
      // thread used; from the built dist/, the worker body is plain JavaScript and needs no loader.
      const worker = new Worker(new URL(WORKER_ENTRY, import.meta.url), {
        workerData: { port: port2, counters: this.counters, index: w - 1 },
        transferList: [port2],
      });
      // A worker that failed to start never sets its ready flag, so it is never given work (no hang);
      // one that dies later is marked not ready when the event loop next runs.
      const flag = 2 + (w - 1);
      worker.on("error", () => Atomics.store(this.counters, flag, 0));
      worker.on("exit", () => Atomics.store(this.counters, flag, 0));
      // A worker parked in Atomics.wait must not keep the process alive.
      worker.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  /** out (+)= op(a, b) for the given kind; blocks until all threads are done. */
  matmul(
    kind: MatmulKind,
    out: Float32Array,
    a: Float32Array,
    b: Float32Array,
    M: number,
    N: number,
    K: number,
    accumulate = false,
  ): void {
    // Only workers that have started take work; until then (or without any) everything runs here.
    const ready: number[] = [];
    for (let w = 0; w < this.ports.length; w++) if (Atomics.load(this.counters, 2 + w) === 1) ready.push(w);
    const parts = M * N * K < this.minParallelWork ? 1 : Math.min(1 + ready.length, Math.ceil(M / ROW_ALIGN));
    if (parts <= 1 || !isShared(out) || !isShared(a) || !isShared(b)) {
      runMatmulJob({ kernel: this.kernel, kind, out, a, b, M, N, K, accumulate, rowStart: 0, rowEnd: M });
      return;
    }
    const slice = Math.ceil(M / parts / ROW_ALIGN) * ROW_ALIGN;
    let posted = 0;
    for (let w = 1; w < parts; w++) {
      const rowStart = w * slice;
      if (rowStart >= M) break;
      const rowEnd = Math.min(M, rowStart + slice);
      this.ports[ready[w - 1]].postMessage({
        kernel: this.kernel,
        kind,
        out,
        a,
        b,
        M,
        N,
        K,
        accumulate,
        rowStart,
        rowEnd,
      } satisfies MatmulJob);
      posted++;
    }
    const target = this.posted + posted;
    this.posted = target;
    Atomics.add(this.counters, 0, posted);
    Atomics.notify(this.counters, 0);
    const own = Math.min(M, slice);
    runMatmulJob({ kernel: this.kernel, kind, out, a, b, M, N, K, accumulate, rowStart: 0, rowEnd: own });
    for (;;) {
      const done = Atomics.load(this.counters, 1);
      if (done >= target) break;
      Atomics.wait(this.counters, 1, done);
    }
  }

  /** Resolves once every worker has started (or `timeoutMs` passed); work runs inline until then. */
  async ready(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const count = () => this.ports.filter((_, w) => Atomics.load(this.counters, 2 + w) === 1).length;
    while (count() < this.ports.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return count();
  }

  /** Stops the worker threads; the pool then runs everything inline. */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    for (const port of this.ports.splice(0)) port.close();
    this.threads = 1;
    // Idle workers are unref'd; ref them so the event loop waits for the exits terminate() awaits.
    await Promise.all(
      workers.map((worker) => {
        worker.ref();
        return worker.terminate();
      }),
    );
  }
}

function isShared(array: Float32Array): boolean {
  return array.buffer instanceof SharedArrayBuffer;
}
