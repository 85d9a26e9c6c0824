/**
 * One entry point for both languages, so callers (the program-aided strategy, the code grader)
 * pick a language by value instead of by import.
 */
import { closeJavaScriptSandbox, runJavaScript } from "./run-javascript.ts";
import { closePythonSandbox, runPython } from "./run-python.ts";
import type { RunCodeOptions, SandboxResult } from "./types.ts";

/**
 * Runs `code` in the sandbox for `language` and returns what happened. The program's failures
 * (crash, timeout, memory, syntax) are results; only invalid limits reject (`BAD_REQUEST`).
 *
 * For an answer-computing program read `result` (the explicit `setResult`/`set_result` value, else
 * the last expression) and fall back to the last line of `stdout`:
 * ```ts
 * const run = await runCode({ language: "python", code: "print(sum(range(10)))", timeoutMs: 2000 });
 * // run.ok === true, run.stdout === "45\n", run.result === undefined
 * ```
 */
export function runCode(options: RunCodeOptions): Promise<SandboxResult> {
  switch (options.language) {
    case "javascript": {
      const { language: _, ...rest } = options;
      return runJavaScript(rest);
    }
    case "python": {
      const { language: _, ...rest } = options;
      return runPython(rest);
    }
    default: {
      const language: never = options;
      return Promise.resolve({
        ok: false,
        stdout: "",
        stderr: "",
        error: `unsupported language ${JSON.stringify((language as { language: unknown }).language)}`,
        reason: "error",
        durationMs: 0,
      });
    }
  }
}

/** Stops the warm QuickJS worker and pyodide child (tests, shutdown); the next run restarts them. */
export async function closeSandboxes(): Promise<void> {
  closePythonSandbox();
  await closeJavaScriptSandbox();
}
