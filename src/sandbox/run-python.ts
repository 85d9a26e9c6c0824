/**
 * Runs model-written Python in pyodide (CPython 3.12 on wasm) inside a child process.
 *
 * Pyodide takes a second or more to start, so children stay warm: a pool (interpreter-pool.ts) of up
 * to DEFAULT_PYTHON_WORKERS children, each running one program at a time, all started from the same
 * boot image. Each program starts from the same interpreter: the child copies back a snapshot of the
 * whole wasm memory after every run, and a program that reached outside it (pyodide's JavaScript
 * bridge, the file system) gets its child replaced, so no program can affect another; see
 * pyodide-runner.mjs. The time limit: at `timeoutMs` the child interrupts the program
 * (KeyboardInterrupt) and goes on with the next; a program still running a second later gets the
 * child killed and a fresh one starts in the background. Memory is capped by the wasm page limit,
 * so a memory bomb ends in Python's own MemoryError. The child runs under Node's permission model (it may read only
 * pyodide's folder and this one; no child processes, no writes, no native addons), has no network
 * globals and cannot import further modules.
 */
import { type ChildProcess, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type BootImage,
  bootImagePath,
  forgetBootImage,
  readBootImage,
  writeBootImage,
} from "./boot-image-cache.ts";
import { withLimits } from "./check-limits.ts";
import { type Interpreter, InterpreterPool } from "./interpreter-pool.ts";
import { programResult } from "./program-answer.ts";
import type { RunPythonOptions, RunTestsOptions, SandboxResult, TestsResult } from "./types.ts";

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MEMORY_MB = 256;
const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
const DEFAULT_LIMITS = {
  timeoutMs: DEFAULT_TIMEOUT_MS,
  memoryMb: DEFAULT_MEMORY_MB,
  maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
};
/** Pyodide's own heap after start-up is ~20 MiB; the program's `memoryMb` comes on top. */
const BASE_MB = 32;
/**
 * Time a program gets, after its limit, to stop at the child's interrupt before the child is
 * killed (a program that catches KeyboardInterrupt, or one long C call such as `10**10**8`).
 */
const KILL_GRACE_MS = 1_000;
/** Start-up reads a 13 MiB wasm and the stdlib zip: ~2 s idle, much longer on a busy machine. */
const STARTUP_TIMEOUT_MS = 60_000;
/** The module name a graded candidate runs as, so its `if __name__ == "__main__":` demo stays quiet. */
const TESTS_MODULE_NAME = "solution";

/** Node 20 spells it `--experimental-permission`; newer releases `--permission`. */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has("--permission")
  ? "--permission"
  : "--experimental-permission";

const sandboxDir = dirname(fileURLToPath(import.meta.url));
const pyodideDir = dirname(createRequire(import.meta.url).resolve("pyodide"));

interface ChildAnswer {
  type: "ready" | "done";
  /** In "ready" from a child that booted from scratch: the image later children start from. */
  image?: BootImage;
  id?: number;
  stdout?: string;
  stderr?: string;
  result?: string;
  error?: string;
  reason?: SandboxResult["reason"];
  durationMs?: number;
  /** Wasm memory right after start-up ("ready"). */
  memoryBytes?: number;
  /** Tests mode: the harness saw the tests finish, and nothing reached outside. */
  passed?: boolean;
  stage?: TestsResult["stage"];
  failure?: TestsResult["failure"];
  /** The first guarded wasm import the program called ("" when none): the child is replaced. */
  tainted?: string;
  /** The child exits after this answer: tainted, pyodide itself failed, or its memory grew a lot. */
  exiting?: boolean;
}

type Job = Required<Omit<RunPythonOptions, "moduleName">> & {
  moduleName: string;
  mode: "program" | "tests";
  tests: string;
};

/** One pyodide child, made for one `memoryMb`. */
interface Warm extends Interpreter {
  /** Set once the child is forked (after the boot image exists). */
  child?: ChildProcess;
  memoryMb: number;
  ready: Promise<void>;
  /** Last bytes the child wrote to stderr, for start-up failures. */
  log: string;
  /** Set by stop(): the child is (to be) killed, or start-up stops before it forks. */
  stopped: boolean;
  /** The child exited (killed, or on its own). */
  exited: boolean;
  /** Its run killed it (timeout, taint, pyodide failure): the pool starts a fresh one. */
  recycled: boolean;
}

/**
 * Runs at once (and so children at most). A child is heavier than a QuickJS worker: a process of its
 * own, its ~20 MiB interpreter snapshot plus the program's `memoryMb`, and about a second to start
 * from the boot image; two let a program that never ends run beside the others on a 2-core machine.
 */
export const DEFAULT_PYTHON_WORKERS = 2;
/** Overrides DEFAULT_PYTHON_WORKERS: a whole number, 1–64. */
export const PYTHON_WORKERS_ENV = "DELIBERATE_SANDBOX_PY_WORKERS";
/**
 * Idle children kept warm for good: one, as a child holds ~240 MiB resident. Any more stay for
 * LINGER_MS, so batches that come every few seconds find them warm (a fresh one costs a second).
 */
const KEEP_IDLE = 1;
const LINGER_MS = 30_000;

const pool = new InterpreterPool<Warm>({
  start,
  sizeVariable: PYTHON_WORKERS_ENV,
  defaultSize: DEFAULT_PYTHON_WORKERS,
  keepIdle: KEEP_IDLE,
  lingerMs: LINGER_MS,
  // A killed child is replaced at once (unless a warm one is left), so the next program does not
  // pay start-up.
  replaces: (entry) => entry.recycled,
});
/**
 * Every child starts from this image (~20 MiB, held for the life of the process): one child boots
 * pyodide and the prelude from scratch (seconds) only to make it, and every later start takes
 * about a second. All programs thus see one and the same starting interpreter. The image is also
 * cached on disk for the next process (boot-image-cache.ts).
 */
let bootImage: Promise<{ image: BootImage; cached: boolean }> | undefined;
let nextId = 1;

function fork_(memoryMb: number, log: (text: string) => void): ChildProcess {
  const child = fork(join(sandboxDir, "pyodide-runner.mjs"), [`${pyodideDir}/`], {
    execArgv: [
      PERMISSION_FLAG,
      `--allow-fs-read=${sandboxDir}/`,
      `--allow-fs-read=${pyodideDir}/`,
      // The import lock's module hooks run on an internal worker thread.
      "--allow-worker",
      "--disable-warning=ExperimentalWarning",
      "--disable-warning=SecurityWarning",
      `--wasm-max-mem-pages=${(BASE_MB + memoryMb) * 16}`,
      "--max-old-space-size=256",
    ],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    // Structured clone, so the boot image travels as bytes.
    serialization: "advanced",
  });
  // Spawn failures and sends to a dead child arrive as "error" events; unheard, they would crash
  // the caller's process. The "exit" handlers report them.
  child.on("error", (error) => log(`\n${error.message}`));
  child.stderr?.on("data", (chunk: Buffer) => log(chunk.toString()));
  // Idle children must not keep the caller's process alive; a run's own timer does that.
  child.unref();
  child.channel?.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  return child;
}

/** Sends the child its boot image (null: boot from scratch) and waits for its "ready". */
function boot(child: ChildProcess, image: BootImage | null, describe: () => string): Promise<ChildAnswer> {
  return new Promise<ChildAnswer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`pyodide did not start within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`pyodide exited during start-up (${signal ?? code}): ${describe()}`));
    };
    child.once("exit", onExit);
    child.once("message", (message: ChildAnswer) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      if (message.type === "ready") resolve(message);
      else reject(new Error(`pyodide answered ${message.type} before it was ready`));
    });
    child.send({ type: "init", image });
  });
}

/** Where this version of the runner, prelude and pyodide keeps its boot image on disk. */
function cachePath(): string {
  const version = (createRequire(import.meta.url)("pyodide/package.json") as { version: string }).version;
  const sources = ["pyodide-runner.mjs", "pyodide-prelude.py"].map((file) =>
    readFileSync(join(sandboxDir, file), "utf8"),
  );
  return bootImagePath([version, ...sources]);
}

/** The boot image: from the disk cache, else made by a child that boots from scratch. */
async function loadBootImage(memoryMb: number): Promise<{ image: BootImage; cached: boolean }> {
  const path = cachePath();
  const cached = await readBootImage(path);
  if (cached) return { image: cached, cached: true };
  const image = await makeBootImage(memoryMb);
  await writeBootImage(path, image);
  return { image, cached: false };
}

/** The boot image, made once by a child that boots from scratch and is then let go. */
function makeBootImage(memoryMb: number): Promise<BootImage> {
  let log = "";
  const child = fork_(memoryMb, (text) => {
    log = (log + text).slice(-2000);
  });
  const made = boot(child, null, () => log.trim().slice(-400)).then((ready) => {
    child.kill("SIGKILL");
    if (!ready.image) throw new Error("pyodide booted without making its image");
    return ready.image;
  });
  made.catch(() => child.kill("SIGKILL"));
  return made;
}

function start(memoryMb: number): Warm {
  const entry: Warm = {
    memoryMb,
    log: "",
    stopped: false,
    exited: false,
    recycled: false,
    ready: Promise.resolve(),
    get ended() {
      return entry.stopped || entry.exited;
    },
    end: () => stop(entry),
  };
  entry.ready = (async () => {
    bootImage ??= loadBootImage(memoryMb);
    const loading = bootImage;
    let image: { image: BootImage; cached: boolean };
    try {
      image = await loading;
    } catch (error) {
      if (bootImage === loading) bootImage = undefined;
      throw error;
    }
    if (entry.stopped) throw new Error("the sandbox was stopped while it started");
    const child = fork_(memoryMb, (text) => {
      entry.log = (entry.log + text).slice(-2000);
    });
    entry.child = child;
    child.once("exit", () => {
      entry.exited = true;
    });
    try {
      await boot(child, image.image, () => entry.log.trim().slice(-400));
    } catch (error) {
      // An image from disk that does not boot is dropped, so the next start makes a fresh one.
      if (image.cached && bootImage === loading) {
        bootImage = undefined;
        await forgetBootImage(cachePath());
      }
      throw error;
    }
  })();
  entry.ready.catch(() => undefined);
  return entry;
}

function stop(entry: Warm): void {
  entry.stopped = true;
  entry.child?.kill("SIGKILL");
}

function failure(reason: SandboxResult["reason"], error: string, durationMs: number): TestsResult {
  return { ok: false, passed: false, stdout: "", stderr: "", error, reason, durationMs };
}

/** What one run reports; `passed` and friends matter only in tests mode. */
async function runOnce(entry: Warm, job: Job): Promise<TestsResult> {
  const { timeoutMs } = job;
  try {
    await entry.ready;
  } catch (error) {
    stop(entry);
    return failure("error", `sandbox failed to start: ${(error as Error).message}`, 0);
  }
  if (entry.ended) {
    // It died while idle (the pool drops such children when it sees them; this one went just now).
    entry.recycled = true;
    return failure("error", "sandbox process died before the program started", 0);
  }
  const id = nextId++;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<TestsResult>((resolve) => {
    const child = entry.child as ChildProcess;
    const finish = (result: TestsResult, recycle: boolean) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (recycle) {
        entry.recycled = true;
        stop(entry);
      }
      resolve(result);
    };
    // The child interrupts the program at `timeoutMs` itself; this is for one that will not stop.
    const timer = setTimeout(() => {
      finish(failure("timeout", `timed out after ${timeoutMs} ms (process killed)`, elapsed()), true);
    }, timeoutMs + KILL_GRACE_MS);
    const onMessage = (answer: ChildAnswer) => {
      if (answer.type !== "done" || answer.id !== id) return;
      const tainted = typeof answer.tainted === "string" && answer.tainted !== "";
      const result = toResult(job, answer, tainted, elapsed());
      finish(result, tainted || answer.exiting === true);
    };
    // The child exits on its own only after a pyodide fatal error (its answer came first) or a crash.
    const onExit = (exitCode: number | null, signal: string | null) => {
      finish(failure("error", `sandbox process died (${signal ?? exitCode})`, elapsed()), true);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
    const { code, tests, mode, maxOutputBytes, moduleName } = job;
    child.send({ type: "run", id, mode, code, tests, timeoutMs, maxOutputBytes, moduleName });
  });
}

/** The child's report as a result. A tainted run never passes, whatever its report says. */
function toResult(job: Job, answer: ChildAnswer, tainted: boolean, elapsedMs: number): TestsResult {
  let reason = answer.reason ?? "error";
  const passed = job.mode === "tests" && answer.passed === true && !tainted;
  const result: TestsResult = {
    ok: false,
    passed,
    stdout: answer.stdout ?? "",
    stderr: answer.stderr ?? "",
    reason,
    durationMs: answer.durationMs ?? elapsedMs,
  };
  if (answer.result !== undefined) result.result = answer.result;
  if (answer.error !== undefined) result.error = answer.error;
  if (job.mode === "tests") {
    if (answer.stage !== undefined) result.stage = answer.stage;
    if (answer.failure !== undefined) result.failure = answer.failure;
    if (tainted) {
      reason = "error";
      result.failure = "blocked";
      result.error = `the program reached outside the Python sandbox (${answer.tainted}), which is not allowed while the code is graded`;
    } else if (!passed && reason === "ok") {
      reason = "error";
      result.error ??= "the tests did not report that they finished";
    }
    result.reason = reason;
    result.ok = passed;
    if (passed) {
      delete result.stage;
      delete result.failure;
      delete result.error;
    }
    return result;
  }
  result.ok = reason === "ok";
  return result;
}

/**
 * Runs Python `code` in a fresh namespace of a warm pyodide child and returns what happened; the
 * program's failures are results, only invalid limits (or pool size) reject (`BAD_REQUEST`). Up to
 * `DELIBERATE_SANDBOX_PY_WORKERS` (default 2) runs go at once, each in a child of its own; the rest
 * wait. A run on a new child waits for pyodide to start (a second or more); `timeoutMs` counts only
 * the program's own time.
 *
 * The program sees the standard library (no packages, no network, no subprocesses) and
 * `set_result(value)`; `print` goes to stdout, tracebacks to stderr.
 */
export async function runPython(options: RunPythonOptions): Promise<SandboxResult> {
  const { code, moduleName = "__main__" } = options;
  const limits = withLimits(options, DEFAULT_LIMITS);
  const run = await enqueue({ mode: "program", code, tests: "", ...limits, moduleName });
  return programResult(run);
}

/**
 * Grades Python: runs `code` as module `solution`, then `tests` in its namespace, and says whether
 * the tests ran to their end without failing. The pass is the harness's observation, not the
 * program's: exiting early (`sys.exit(0)`, `raise SystemExit`, `os._exit`), replacing builtins,
 * patching the harness or library classes, or reaching outside the sandbox is a failure with its
 * reason. How: pyodide-prelude.py (tests mode).
 */
export async function runPythonTests(options: RunTestsOptions): Promise<TestsResult> {
  const { code, tests } = options;
  const limits = withLimits(options, DEFAULT_LIMITS);
  return enqueue({ mode: "tests", code, tests, ...limits, moduleName: TESTS_MODULE_NAME });
}

function enqueue(job: Job): Promise<TestsResult> {
  return pool.use(job.memoryMb, (entry) => runOnce(entry, job));
}

/**
 * Starts a warm child now (e.g. while the model is still generating), so the first run is fast;
 * resolves when it is ready, or at once when every child is busy.
 */
export function warmPython(memoryMb = DEFAULT_MEMORY_MB): Promise<void> {
  const entry = pool.warm(memoryMb);
  return entry ? entry.ready.catch(() => undefined) : Promise.resolve();
}

/**
 * Kills every child, idle or running (tests, shutdown); a run in flight ends as an error. The next
 * run starts a new one.
 */
export function closePythonSandbox(): void {
  void pool.close();
}
