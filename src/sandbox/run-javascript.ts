/**
 * Runs model-written JavaScript in QuickJS (quickjs-emscripten) inside a worker thread.
 *
 * Two limits stack: QuickJS's interrupt handler stops the code at `timeoutMs` and its allocator
 * refuses memory past `memoryMb`; and if the worker itself stops answering (a long native call the
 * interrupt handler cannot reach), a watchdog terminates the worker a little later. The caller never
 * hangs. The worker stays warm between runs (QuickJS loads once); every run gets a fresh runtime
 * and context. A worker holds one QuickJS instance, whose wasm memory is capped at its `memoryMb`
 * and never shrinks: so a run with another `memoryMb` gets a new worker, and after a run that grew
 * the memory (or ran out of it) the worker is terminated. Terminating hands every page back to the
 * system, whatever `memoryMb` was.
 */
import { Worker } from "node:worker_threads";
import { withLimits } from "./check-limits.ts";
import { programResult, serialQueue } from "./serial-queue.ts";
import type { RunJavaScriptOptions, RunTestsOptions, SandboxResult, TestsResult } from "./types.ts";

/** QuickJS is small; 64 MiB is plenty for model-written snippets and bounds a memory bomb quickly. */
const DEFAULT_MEMORY_MB = 64;
const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
const DEFAULT_LIMITS = {
  timeoutMs: DEFAULT_TIMEOUT_MS,
  memoryMb: DEFAULT_MEMORY_MB,
  maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
};
/** Time the interrupt handler gets to stop the code before the watchdog kills the worker. */
const KILL_GRACE_MS = 1_000;
/** Loading the QuickJS wasm takes ~50 ms; anything near this means the worker is broken. */
const STARTUP_TIMEOUT_MS = 20_000;

type WorkerAnswer = Omit<TestsResult, "ok" | "passed"> & {
  id: number;
  passed?: boolean;
  /** The worker's wasm memory grew or filled: terminate it so the memory goes back. */
  retire?: boolean;
};

type Job = Required<Omit<RunJavaScriptOptions, "input">> & {
  input?: unknown;
  mode: "program" | "tests";
  tests?: string;
};

let worker: Worker | undefined;
let ready: Promise<Worker> | undefined;
/** The `memoryMb` the current worker's instance was made for. */
let workerMemoryMb: number | undefined;
let nextId = 1;

function startWorker(): Promise<Worker> {
  // `execArgv: []`: the worker is plain JavaScript and needs none of the caller's loaders (tsx).
  const w = new Worker(new URL("./quickjs-worker.mjs", import.meta.url), { execArgv: [] });
  w.unref();
  worker = w;
  return new Promise<Worker>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("the QuickJS worker did not start")), STARTUP_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      discard(w);
      reject(error);
    };
    w.once("error", fail);
    w.once("message", () => {
      clearTimeout(timer);
      w.off("error", fail);
      resolve(w);
    });
  });
}

/** Drops a worker that timed out or crashed; the next run starts a fresh one. */
function discard(w: Worker): void {
  if (worker === w) {
    worker = undefined;
    ready = undefined;
    workerMemoryMb = undefined;
  }
  void w.terminate();
}

function failure(reason: SandboxResult["reason"], error: string, durationMs: number): TestsResult {
  return { ok: false, passed: false, stdout: "", stderr: "", error, reason, durationMs };
}

async function runOnce(options: Job): Promise<TestsResult> {
  let w: Worker;
  try {
    if (worker && workerMemoryMb !== options.memoryMb) discard(worker);
    if (!ready) {
      ready = startWorker();
      workerMemoryMb = options.memoryMb;
    }
    w = await ready;
  } catch (error) {
    return failure("error", `sandbox failed to start: ${(error as Error).message}`, 0);
  }
  const id = nextId++;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  w.ref();
  return new Promise<TestsResult>((resolve) => {
    const finish = (result: TestsResult) => {
      clearTimeout(watchdog);
      w.off("message", onMessage);
      w.off("error", onError);
      w.off("exit", onExit);
      w.unref();
      resolve(result);
    };
    const watchdog = setTimeout(() => {
      discard(w);
      finish(failure("timeout", `timed out after ${options.timeoutMs} ms (worker terminated)`, elapsed()));
    }, options.timeoutMs + KILL_GRACE_MS);
    const onMessage = (answer: WorkerAnswer) => {
      if (answer.id !== id) return;
      const { id: _, retire, passed, ...rest } = answer;
      if (retire) discard(w);
      if (options.mode === "tests") {
        const ok = passed === true && rest.reason === "ok";
        const reason = !ok && rest.reason === "ok" ? "error" : rest.reason;
        finish({ ...rest, reason, ok, passed: ok });
      } else finish({ ...rest, ok: rest.reason === "ok", passed: false });
    };
    // An uncaught error in the worker means the wasm module aborted (out of wasm memory, mostly).
    const onError = (error: Error) => {
      discard(w);
      const memory = /memory|allocation/i.test(error.message);
      finish(failure(memory ? "memory" : "error", `sandbox crashed: ${error.message}`, elapsed()));
    };
    const onExit = (code: number) => {
      discard(w);
      finish(failure("error", `sandbox exited with code ${code}`, elapsed()));
    };
    w.on("message", onMessage);
    w.on("error", onError);
    w.on("exit", onExit);
    w.postMessage({ id, ...options });
  });
}

/**
 * Runs `code` as a script in a fresh QuickJS context and returns what happened. The program's
 * failures are results; only invalid limits reject (`BAD_REQUEST`).
 * Runs are queued one at a time on one warm worker.
 *
 * The code sees only the language built-ins plus `console.log/info/debug` (→ stdout),
 * `console.warn/error` (→ stderr), `input` (a copy of `options.input`) and `setResult(value)`.
 * A last expression that is a promise is awaited (QuickJS has no timers, so only microtasks run).
 */
export async function runJavaScript(options: RunJavaScriptOptions): Promise<SandboxResult> {
  const { code, input } = options;
  const run = await enqueue({ mode: "program", code, input, ...withLimits(options, DEFAULT_LIMITS) });
  return programResult(run);
}

/**
 * Grades JavaScript: runs `code`, then `tests`, in one fresh QuickJS context and says whether the
 * tests ran to their end without failing. The tests get an `assert` (Node-style: `assert(x)`,
 * `.equal`, `.strictEqual`, `.deepEqual`, `.deepStrictEqual`, `.notEqual`, `.throws`, `.fail`…)
 * and the built-ins as they were before the candidate ran, whatever it replaced or declared; a
 * last expression that is a promise is awaited. The pass is the harness seeing the tests' evaluation
 * return, never a value the program controls; see quickjs-harness.mjs.
 */
export async function runJavaScriptTests(options: RunTestsOptions): Promise<TestsResult> {
  const { code, tests } = options;
  return enqueue({ mode: "tests", code, tests, ...withLimits(options, DEFAULT_LIMITS) });
}

const serial = serialQueue();

function enqueue(job: Job): Promise<TestsResult> {
  return serial(() => runOnce(job));
}

/** Terminates the warm worker (tests, shutdown). The next run starts a new one. */
export async function closeJavaScriptSandbox(): Promise<void> {
  const w = worker;
  worker = undefined;
  ready = undefined;
  workerMemoryMb = undefined;
  if (!w) return;
  // The idle worker is unref'd; ref it so the event loop waits for the exit that terminate() awaits.
  w.ref();
  await w.terminate();
}
