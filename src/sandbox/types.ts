/**
 * The sandbox's contract: run model-written code under a time and memory limit and say what
 * happened. Type-only. Failures are results with a `reason`, never exceptions, so a strategy can
 * show a crash to the model ("your code raised ZeroDivisionError") instead of losing the sample.
 */

/** The languages the sandbox runs: JavaScript in QuickJS, Python in pyodide. */
export type SandboxLanguage = "javascript" | "python";

/**
 * Why a run ended.
 * - `ok`: it finished (a Python `sys.exit(0)` counts as finished; for a test run, the tests passed).
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
   * `str()` (Python), cut at `maxOutputBytes`. Absent when there is none (`undefined` / `None`)
   * or the run failed. Printing the value counts against the time limit: a `toJSON` or
   * `__str__` that runs past it is a `timeout`.
   */
  result?: string;
  /** One line saying what went wrong, e.g. `ZeroDivisionError: division by zero`; absent when ok. */
  error?: string;
  reason: SandboxReason;
  /** Wall-clock ms the code ran, from handing it to the sandbox to its answer; excludes start-up. */
  durationMs: number;
}

export interface SandboxLimits {
  /** Wall-clock limit for the code itself, in ms, 1–600000. Default 5000. */
  timeoutMs?: number;
  /** Memory limit in MiB for the interpreter's heap, 1–2048. Default 256 (JavaScript 64). */
  memoryMb?: number;
  /**
   * Most bytes of stdout, of stderr and of the result kept; the rest is cut with a note.
   * 0–64 MiB. Default 1 MiB.
   */
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

export interface RunTestsOptions extends SandboxLimits {
  /** The candidate program: runs first, as a module named `solution` in Python. */
  code: string;
  /**
   * Test code run after `code`, seeing its names. A test fails by throwing: `assert` / a thrown
   * error (AssertionError is a failed test, anything else a crash), or in Python a non-zero
   * `sys.exit`. Exiting with status 0 is never a pass.
   */
  tests: string;
}

/**
 * Why a test run did not pass.
 * - `assertion`: a test failed (an AssertionError, or a non-zero exit raised while the tests ran).
 * - `exit`: the program exited (`sys.exit`, `SystemExit`, `exit()`, status 0 included) before the
 *   tests finished.
 * - `crash`: any other exception, in the candidate's code or while the tests called it.
 * - `blocked`: the program reached outside the sandbox (Python: pyodide's JavaScript bridge or the
 *   file system) or altered a built-in the tests rely on and it could not be put back.
 */
export type TestsFailure = "assertion" | "exit" | "crash" | "blocked";

export interface TestsResult extends SandboxResult {
  /**
   * True only when the tests ran to their end and none failed. The harness observes this from
   * outside the program (the evaluation of the test code returned); nothing the program prints,
   * returns or raises can set it. `ok` equals `passed`.
   */
  passed: boolean;
  /** What was running when the run ended without passing: the candidate's code or the tests. */
  stage?: "candidate" | "tests";
  /** Why it did not pass, when the reason is `error`; see TestsFailure. */
  failure?: TestsFailure;
}

export type RunCodeOptions =
  | ({ language: "javascript" } & RunJavaScriptOptions)
  | ({ language: "python" } & RunPythonOptions);

/** Tests a code answer must pass (for programmatic verifiers and the eval harness; never the gold). */
export interface CodeTests {
  language: SandboxLanguage;
  /** Test code run after the candidate's code; it throws (or exits non-zero) on failure. */
  code: string;
}
