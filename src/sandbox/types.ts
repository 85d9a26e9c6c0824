/**
 * The sandbox's contract: run model-written code under a time and memory limit and say what
 * happened. Type-only. Failures are results with a `reason`, never exceptions, so a strategy can
 * show a crash to the model ("your code raised ZeroDivisionError") instead of losing the sample.
 */

/** The languages the sandbox runs: JavaScript in QuickJS, Python in pyodide. */
export type SandboxLanguage = "javascript" | "python";

/**
 * Why a run ended.
 * - `ok`: it finished (a Python `sys.exit(0)` counts as finished).
 * - `error`: it threw or exited non-zero (assertions included).
 * - `timeout`: it ran past `timeoutMs` and was interrupted or killed.
 * - `memory`: it ran past `memoryMb` (or the sandbox ran out of memory).
 * - `syntax`: it did not parse; nothing ran.
 */
export type SandboxReason = "ok" | "error" | "timeout" | "memory" | "syntax";

export interface SandboxResult {
  /** True exactly when `reason` is `ok`. */
  ok: boolean;
  /** What the code printed (`console.log` / `print`), capped at `maxOutputBytes`. */
  stdout: string;
  /** What the code wrote to stderr (`console.error` / `sys.stderr`), capped likewise. */
  stderr: string;
  /**
   * The explicit result (`setResult(x)` in JavaScript, `set_result(x)` in Python) or else the value
   * of the last expression, as a string: strings as they are, other values as JSON (JavaScript) or
   * `str()` (Python). Absent when there is none (`undefined` / `None`) or the run failed.
   */
  result?: string;
  /** One line saying what went wrong, e.g. `ZeroDivisionError: division by zero`; absent when ok. */
  error?: string;
  reason: SandboxReason;
  /** Wall-clock ms the code ran, from handing it to the sandbox to its answer; excludes start-up. */
  durationMs: number;
}

export interface SandboxLimits {
  /** Wall-clock limit for the code itself, in ms. Default 5000. */
  timeoutMs?: number;
  /** Memory limit in MiB for the interpreter's heap. Default 256 (JavaScript 64). */
  memoryMb?: number;
  /** Most bytes of stdout and of stderr kept; the rest is cut with a note. Default 1 MiB. */
  maxOutputBytes?: number;
}

export interface RunJavaScriptOptions extends SandboxLimits {
  /** Plain script code (not a module); the value of its last expression is the result. */
  code: string;
  /** A JSON-serialisable value exposed to the code as the global `input`. */
  input?: unknown;
}

export interface RunPythonOptions extends SandboxLimits {
  /** Python 3.12 source; the value of a final bare expression is the result. */
  code: string;
  /**
   * `__name__` while the code runs. Default `"__main__"`; a grader passes another name so a
   * candidate's `if __name__ == "__main__":` demo (often reading stdin) does not run.
   */
  moduleName?: string;
}

export type RunCodeOptions =
  | ({ language: "javascript" } & RunJavaScriptOptions)
  | ({ language: "python" } & RunPythonOptions);
