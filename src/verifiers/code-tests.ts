/**
 * Programmatic verification by running tests: the candidate's code plus the problem's tests in the
 * sandbox (grading's `gradeCode`). Score 1 when the tests pass, 0 otherwise; the verdict (incorrect,
 * error, timeout, unparseable) and the run are traced as a `tool` node, never hidden.
 */
import { DeliberateError } from "../errors.ts";
import { gradeCode } from "../grading/code.ts";
import { remainingMs } from "../run/budget.ts";
import type { Verifier } from "./types.ts";

export interface CodeTestsOptions {
  /** Wall-clock limit per run in ms; the solve's remaining time budget caps it further. Default 10000. */
  timeoutMs?: number;
}

export function codeTests(options: CodeTestsOptions = {}): Verifier {
  const { timeoutMs = 10_000 } = options;
  return {
    name: "tests",
    async score(problem, candidate, ctx) {
      if (!problem.tests) {
        throw new DeliberateError("BAD_REQUEST", "the `tests` verifier needs a problem with `tests`", {
          param: "tests",
        });
      }
      const limit = Math.max(1, Math.min(timeoutMs, remainingMs(ctx.budget, ctx.ledger)));
      const tool = ctx.trace.start(
        "tool",
        problem.tests.language,
        { tests: problem.tests.code },
        ctx.parentId,
      );
      const result = await gradeCode(candidate.text, problem.tests, { timeoutMs: limit });
      tool.end({ code: result.predicted, verdict: result.verdict, reason: result.reason });
      return {
        score: result.correct ? 1 : 0,
        method: "tests",
        data: { verdict: result.verdict, reason: result.reason },
      };
    },
  };
}
