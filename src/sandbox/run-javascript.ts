/**
 * Runs model-written JavaScript in QuickJS (quickjs-emscripten) inside a worker thread.
 *
 * Two limits stack: QuickJS's interrupt handler stops the code at `timeoutMs` and its allocator
 * refuses memory past `memoryMb`; and if the worker itself stops answering (a long native call the
 * interrupt handler cannot reach), a watchdog terminates the worker a little later. The caller never
 * hangs. Runs share a pool of workers (interpreter-pool.ts): up to DEFAULT_JAVASCRIPT_WORKERS at
 * once, each on a worker of its own, a few kept warm between runs (QuickJS loads once per worker);
 * every run gets a fresh runtime and context. A worker holds one QuickJS instance, whose wasm memory
 * is capped at its `memoryMb` and never shrinks: so a run with another `memoryMb` gets a worker made
 * for it, and after a run that grew the memory (or ran out of it) the worker is terminated.
 * Terminating hands every page back to the system, whatever `memoryMb` was.
 */
import { Worker } from "node:worker_threads";
import { withLimits } from "./check-limits.ts";
import { type Interpreter, InterpreterPool } from "./interpreter-pool.ts";
import { programResult } from "./program-answer.ts";
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

/** A QuickJS worker thread: one instance, made for one `memoryMb`. */
interface QuickJsWorker extends Interpreter {
  worker: Worker;
  /** Resolves once QuickJS is loaded; rejects when the worker did not start. */
  ready: Promise<void>;
}

/**
 * Runs at once (and so workers at most). QuickJS workers are small (a few MiB resident beside what
 * their program uses) and start in ~0.2 s; the time limit is wall-clock, so on a machine with fewer
 * cores a spinning program still stops at its limit, it only gets less of a core.
 */
export const DEFAULT_JAVASCRIPT_WORKERS = 8;
/** Overrides DEFAULT_JAVASCRIPT_WORKERS: a whole number, 1–64. */
export const JAVASCRIPT_WORKERS_ENV = "DELIBERATE_SANDBOX_JS_WORKERS";
/** Idle workers kept warm for good; any more stay for LINGER_MS, for the next batch. */
const KEEP_IDLE = 2;
const LINGER_MS = 10_000;

const pool = new InterpreterPool<QuickJsWorker>({
  start: startWorker,
  sizeVariable: JAVASCRIPT_WORKERS_ENV,
  defaultSize: DEFAULT_JAVASCRIPT_WORKERS,
  keepIdle: KEEP_IDLE,
  lingerMs: LINGER_MS,
});
let nextId = 1;

function startWorker(memoryMb: number): QuickJsWorker {
  // `execArgv: []`: the worker is plain JavaScript and needs none of the caller's loaders (tsx).
  const w = new Worker(new URL("./quickjs-worker.mjs", import.meta.url), { execArgv: [] });
  w.unref();
  let ended = false;
  let ending: Promise<void> | undefined;
  const entry: QuickJsWorker = {
    memoryMb,
    worker: w,
    get ended() {
      return ended;
    },
    end() {
      ended = true;
      // An idle worker is unref'd; ref it so the event loop waits for the exit terminate() awaits.
      w.ref();
      ending ??= w.terminate().then(() => undefined);
      return ending;
    },
    ready: Promise.resolve(),
  };
  // An idle worker that fails or exits is never handed out again (a run listens for its own).
  w.on("error", () => {
    ended = true;
  });
  w.once("exit", () => {
    ended = true;
  });
  entry.ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("the QuickJS worker did not start")), STARTUP_TIMEOUT_MS);
    const settle = () => {
      clearTimeout(timer);
      w.off("error", fail);
      w.off("exit", onExit);
    };
    const fail = (error: Error) => {
      settle();
      void entry.end();
      reject(error);
    };
    const onExit = (code: number) => fail(new Error(`the QuickJS worker exited with code ${code}`));
    w.once("error", fail);
    w.once("exit", onExit);
    w.once("message", () => {
      settle();
      resolve();
    });
  });
  entry.ready.catch(() => undefined);
  return entry;
}

function failure(reason: SandboxResult["reason"], error: string, durationMs: number): TestsResult {
  return { ok: false, passed: false, stdout: "", stderr: "", error, reason, durationMs };
}

async function runOnce(entry: QuickJsWorker, options: Job): Promise<TestsResult> {
  try {
    await entry.ready;
  } catch (error) {
    return failure("error", `sandbox failed to start: ${(error as Error).message}`, 0);
  }
  if (entry.ended) return failure("error", "sandbox worker exited before the program started", 0);
  const w = entry.worker;
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
      void entry.end();
      finish(failure("timeout", `timed out after ${options.timeoutMs} ms (worker terminated)`, elapsed()));
    }, options.timeoutMs + KILL_GRACE_MS);
    const onMessage = (answer: WorkerAnswer) => {
      if (answer.id !== id) return;
      const { id: _, retire, passed, ...rest } = answer;
      if (retire) void entry.end();
      if (options.mode === "tests") {
        const ok = passed === true && rest.reason === "ok";
        const reason = !ok && rest.reason === "ok" ? "error" : rest.reason;
        finish({ ...rest, reason, ok, passed: ok });
      } else finish({ ...rest, ok: rest.reason === "ok", passed: false });
    };
    // An uncaught error in the worker means the wasm module aborted (out of wasm memory, mostly).
    const onError = (error: Error) => {
      void entry.end();
      const memory = /memory|allocation/i.test(error.message);
      finish(failure(memory ? "memory" : "error", `sandbox crashed: ${error.message}`, elapsed()));
    };
    const onExit = (code: number) => {
      void entry.end();
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
 * failures are results; only invalid limits (or pool size) reject (`BAD_REQUEST`). Up to
 * `DELIBERATE_SANDBOX_JS_WORKERS` (default 8) runs go at once, each on a worker of its own; the
 * rest wait, and their limits count from when they start.
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

function enqueue(job: Job): Promise<TestsResult> {
  return pool.use(job.memoryMb, (entry) => runOnce(entry, job));
}

/**
 * Terminates every worker, idle or running (tests, shutdown); a run in flight ends as an error.
 * The next run starts a new one.
 */
export function closeJavaScriptSandbox(): Promise<void> {
  return pool.close();
}
