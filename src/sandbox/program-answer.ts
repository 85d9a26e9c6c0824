/**
 * The answer a program computed, for program-aided reasoning (PAL, PoT): its explicit or
 * last-expression `result`, else the last line it printed. Programs written by models end either
 * way: `print(answer)` or a bare `answer`. Also `programResult`, a run's result in program mode.
 */
import type { SandboxResult, TestsResult } from "./types.ts";

/**
 * `null` when the run failed or produced nothing.
 * ```ts
 * programAnswer({ ok: true, stdout: "step 1\n42\n", result: undefined, ... }) // "42"
 * ```
 */
export function programAnswer(run: SandboxResult): string | null {
  if (!run.ok) return null;
  if (run.result !== undefined && run.result.trim() !== "") return run.result.trim();
  const lines = run.stdout.split("\n").filter((line) => line.trim() !== "");
  return lines.length > 0 ? lines[lines.length - 1].trim() : null;
}

/** A run's result without the test fields (`passed`, `stage`, `failure`), for program mode. */
export function programResult(run: TestsResult): SandboxResult {
  const { passed: _, stage: __, failure: ___, ...result } = run;
  return result;
}
