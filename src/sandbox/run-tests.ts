/**
 * Grading entry point for both languages: run a candidate program, then tests against it, and say
 * whether the tests passed. Used by the code grader (`grading/code.ts`).
 */
import { runJavaScriptTests } from "./run-javascript.ts";
import { runPythonTests } from "./run-python.ts";
import type { RunTestsOptions, SandboxLanguage, TestsResult } from "./types.ts";

/**
 * Runs `code` then `tests` in the sandbox for `language`. `passed` is true only when the tests ran
 * to their end without failing, as observed by the harness from outside the program: exiting
 * early, replacing `assert` or builtins, patching the harness or reaching outside the sandbox is a
 * failure with its reason (`failure`, `error`). Only invalid limits reject (`BAD_REQUEST`).
 * ```ts
 * const run = await runTests({ language: "python", code: "def add(a, b):\n    return a + b", tests: "assert add(2, 3) == 5" });
 * // run.passed === true
 * ```
 */
export function runTests(options: RunTestsOptions & { language: SandboxLanguage }): Promise<TestsResult> {
  const { language, ...rest } = options;
  switch (language) {
    case "javascript":
      return runJavaScriptTests(rest);
    case "python":
      return runPythonTests(rest);
    default:
      return Promise.resolve({
        ok: false,
        passed: false,
        stdout: "",
        stderr: "",
        error: `unsupported language ${JSON.stringify(language satisfies never)}`,
        reason: "error",
        durationMs: 0,
      });
  }
}
