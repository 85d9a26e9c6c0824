/**
 * Runs model-written Python in pyodide (CPython 3.12 on wasm) inside a child process.
 *
 * Pyodide takes seconds to start, so one child stays warm and runs programs one at a time, each
 * in a fresh namespace. The time limit is enforced from outside: past `timeoutMs` the child gets
 * SIGKILL and a fresh one starts in the background. Memory is capped by the wasm page limit, so a
 * memory bomb ends in Python's own MemoryError. The child runs under Node's permission model (it
 * may read only pyodide's folder and this one; no child processes, no writes, no native addons),
 * has no network globals and cannot import further modules; see pyodide-runner.mjs.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkLimits } from "./check-limits.ts";
import type { RunPythonOptions, SandboxResult } from "./types.ts";

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MEMORY_MB = 256;
const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** Pyodide's own heap after start-up is ~20 MiB; the program's `memoryMb` comes on top. */
const BASE_MB = 32;
/** Start-up reads a 13 MiB wasm and the stdlib zip: ~2 s idle, much longer on a busy machine. */
const STARTUP_TIMEOUT_MS = 60_000;
/** Wasm memory never shrinks: past this share of the cap the next program would start cramped. */
const RECYCLE_AT_MEMORY_SHARE = 0.5;
/** A warm interpreter is reset between programs, but not perfectly; start afresh now and then. */
const RECYCLE_AFTER_RUNS = 200;

/** Node 20 spells it `--experimental-permission`; newer releases `--permission`. */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has("--permission")
  ? "--permission"
  : "--experimental-permission";

const sandboxDir = dirname(fileURLToPath(import.meta.url));
const pyodideDir = dirname(createRequire(import.meta.url).resolve("pyodide"));

interface ChildAnswer {
  type: "ready" | "done";
  id?: number;
  stdout?: string;
  stderr?: string;
  result?: string;
  error?: string;
  reason?: SandboxResult["reason"];
  durationMs?: number;
  memoryBytes: number;
}

interface Warm {
  child: ChildProcess;
  memoryMb: number;
  ready: Promise<void>;
  runs: number;
  /** Last bytes the child wrote to stderr, for start-up failures. */
  log: string;
  /** Set by closePythonSandbox: a run it interrupts must not start a replacement. */
  closing: boolean;
}

let warm: Warm | undefined;
let queue: Promise<unknown> = Promise.resolve();
let nextId = 1;

function start(memoryMb: number): Warm {
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
  });
  const entry: Warm = { child, memoryMb, runs: 0, log: "", closing: false, ready: Promise.resolve() };
  // Spawn failures and sends to a dead child arrive as "error" events; unheard, they would crash
  // the caller's process. The "exit" handlers below report them.
  child.on("error", (error) => {
    entry.log = `${entry.log}\n${error.message}`.slice(-2000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    entry.log = (entry.log + chunk.toString()).slice(-2000);
  });
  // Idle children must not keep the caller's process alive; a run's own timer does that.
  child.unref();
  child.channel?.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  entry.ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop(entry);
      reject(new Error(`pyodide did not start within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    child.once("message", (message: ChildAnswer) => {
      clearTimeout(timer);
      if (message.type === "ready") resolve();
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (warm === entry) warm = undefined;
      reject(
        new Error(`pyodide exited during start-up (${signal ?? code}): ${entry.log.trim().slice(-400)}`),
      );
    });
  });
  entry.ready.catch(() => undefined);
  return entry;
}

function stop(entry: Warm): void {
  if (warm === entry) warm = undefined;
  entry.child.kill("SIGKILL");
}

function failure(reason: SandboxResult["reason"], error: string, durationMs: number): SandboxResult {
  return { ok: false, stdout: "", stderr: "", error, reason, durationMs };
}

async function runOnce(job: Required<RunPythonOptions>) {
  const { code, timeoutMs, memoryMb, maxOutputBytes, moduleName } = job;
  if (warm && warm.memoryMb !== memoryMb) stop(warm);
  warm ??= start(memoryMb);
  const entry = warm;
  try {
    await entry.ready;
  } catch (error) {
    stop(entry);
    return failure("error", `sandbox failed to start: ${(error as Error).message}`, 0);
  }
  const id = nextId++;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<SandboxResult>((resolve) => {
    const finish = (result: SandboxResult, recycle: boolean) => {
      clearTimeout(timer);
      entry.child.off("message", onMessage);
      entry.child.off("exit", onExit);
      if (recycle) {
        stop(entry);
        // Warm the next child now, so the next program does not pay start-up.
        if (!entry.closing) warm = start(memoryMb);
      }
      resolve(result);
    };
    const timer = setTimeout(() => {
      finish(failure("timeout", `timed out after ${timeoutMs} ms (process killed)`, elapsed()), true);
    }, timeoutMs);
    const onMessage = (answer: ChildAnswer) => {
      if (answer.type !== "done" || answer.id !== id) return;
      entry.runs += 1;
      const reason = answer.reason ?? "error";
      const result: SandboxResult = {
        ok: reason === "ok",
        stdout: answer.stdout ?? "",
        stderr: answer.stderr ?? "",
        reason,
        durationMs: answer.durationMs ?? elapsed(),
      };
      if (answer.result !== undefined) result.result = answer.result;
      if (answer.error !== undefined) result.error = answer.error;
      const capBytes = (BASE_MB + memoryMb) * 1024 * 1024;
      // A MemoryError alone is fine (`[0] * 10**12` is refused up front); a grown heap is not.
      const recycle =
        answer.memoryBytes > capBytes * RECYCLE_AT_MEMORY_SHARE || entry.runs >= RECYCLE_AFTER_RUNS;
      finish(result, recycle);
    };
    // The child exits on its own only after a pyodide fatal error (its answer came first) or a crash.
    const onExit = (exitCode: number | null, signal: string | null) => {
      finish(failure("error", `sandbox process died (${signal ?? exitCode})`, elapsed()), true);
    };
    entry.child.on("message", onMessage);
    entry.child.on("exit", onExit);
    entry.child.send({ type: "run", id, code, maxOutputBytes, moduleName });
  });
}

/**
 * Runs Python `code` in a fresh namespace of a warm pyodide child and returns what happened; the
 * program's failures are results, only invalid limits reject (`BAD_REQUEST`). Runs are queued one
 * at a time. The first run waits for pyodide to start (seconds); `timeoutMs` counts only the
 * program's own time.
 *
 * The program sees the standard library (no packages, no network, no subprocesses) and
 * `set_result(value)`; `print` goes to stdout, tracebacks to stderr.
 */
export function runPython(options: RunPythonOptions): Promise<SandboxResult> {
  const {
    code,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    memoryMb = DEFAULT_MEMORY_MB,
    maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES,
    moduleName = "__main__",
  } = options;
  try {
    checkLimits(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const run = queue.then(() => runOnce({ code, timeoutMs, memoryMb, maxOutputBytes, moduleName }));
  queue = run.catch(() => undefined);
  return run;
}

/** Starts the warm child now (e.g. while the model is still generating), so the first run is fast. */
export function warmPython(memoryMb = DEFAULT_MEMORY_MB): Promise<void> {
  if (warm && warm.memoryMb !== memoryMb) stop(warm);
  warm ??= start(memoryMb);
  return warm.ready.catch(() => undefined);
}

/** Kills the warm child (tests, shutdown). The next run starts a new one. */
export function closePythonSandbox(): void {
  if (!warm) return;
  warm.closing = true;
  stop(warm);
}
