/**
 * Grades a code answer by running it against tests in the sandbox: extract the program from the
 * model's output, run it, then run the tests against it, and turn what happened into a verdict.
 *
 * "correct" means the tests ran to their end without failing, as the sandbox's harness observed
 * from outside the program (`TestsResult.passed`); no output, return value or exception of the
 * candidate can produce it. So a candidate that exits before the tests (`sys.exit(0)`,
 * `raise SystemExit`, `os._exit`, `exit()`), replaces `assert` or builtins, patches the harness or
 * library classes, or reaches outside the sandbox fails, with that reason.
 *
 * A test signals failure with an assertion (`assert` in Python; the sandbox's `assert` helper, or
 * any error named AssertionError, in JavaScript) or, in Python, a non-zero `sys.exit`: verdict
 * `incorrect`. Any other exception is the candidate crashing: verdict `error`, never a silent
 * `incorrect`.
 *
 * Objects whose `__eq__` always says True: in Python the tests' own comparisons (`==`, `!=`,
 * `in`, `<`…) are made strict where one side is a plain value (int, float, str, bytes, bool, None,
 * list/tuple/dict/set of plain values, Fraction, Decimal, datetime, Counter, deque…): the other
 * side must then be plain too, of an exact built-in type, so `assert add(2, 3) == 5` fails for an
 * object that claims to equal everything (or an `int` subclass that lies) and the candidate's
 * `__eq__` never runs. In JavaScript, `assert.equal` never coerces an object to a primitive (no
 * `valueOf` trick) and `strictEqual` is `Object.is`. Two objects of the candidate's own classes
 * compared with each other still use its `__eq__`; and a JavaScript test written with a bare `==`
 * instead of `assert.equal` trusts `valueOf` (see the sandbox harnesses for the details).
 */
import { runTests } from "../sandbox/run-tests.ts";
import type { CodeTests, TestsResult } from "../sandbox/types.ts";
import type { GradeResult } from "./types.ts";

export interface GradeCodeOptions {
  /** Wall-clock limit for the candidate plus tests, in ms. Default 10000. */
  timeoutMs?: number;
  /** Memory limit for the run in MiB. Default: the sandbox's (64 JavaScript, 256 Python). */
  memoryMb?: number;
}

export interface CodeGradeResult extends GradeResult {
  /** The sandbox run behind the verdict (stdout, stderr, timings); absent when nothing ran. */
  run?: TestsResult;
}

const FENCE_NAMES: Record<CodeTests["language"], ReadonlySet<string>> = {
  javascript: new Set(["js", "javascript", "mjs", "cjs", "node", "jsx"]),
  python: new Set(["py", "python", "python3", "py3"]),
};

/**
 * The program in a model's output: the last fenced block in `language` (or with no language
 * named), else the whole text. The last block, because models revise: a draft, then "corrected:".
 * An unclosed final fence (output cut at max tokens) still counts.
 */
export function extractCode(output: string, language: CodeTests["language"]): string {
  const fence = /```[ \t]*([\w+-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
  let named: string | undefined;
  let bare: string | undefined;
  let other = false;
  for (const match of output.matchAll(fence)) {
    const tag = match[1].toLowerCase();
    if (FENCE_NAMES[language].has(tag)) named = match[2];
    else if (tag === "") bare = match[2];
    else other = true;
  }
  const code = named ?? bare ?? (other ? "" : output);
  return code.trim();
}

function verdictOf(run: TestsResult): Pick<GradeResult, "correct" | "verdict" | "reason"> {
  if (run.passed) return { correct: true, verdict: "correct", reason: "all tests passed" };
  const detail = run.error ?? "";
  switch (run.reason) {
    case "timeout":
      return { correct: false, verdict: "timeout", reason: run.error ?? "timed out" };
    case "memory":
      return { correct: false, verdict: "error", reason: `out of memory: ${detail}`.trim() };
    case "syntax":
      return run.stage === "tests"
        ? { correct: false, verdict: "error", reason: `the tests did not parse: ${detail}`.trim() }
        : { correct: false, verdict: "error", reason: `syntax error: ${detail}`.trim() };
    case "ok":
    case "error":
      switch (run.failure) {
        case "assertion":
          return { correct: false, verdict: "incorrect", reason: `test failed: ${detail}` };
        case "exit":
          return { correct: false, verdict: "error", reason: `exited early: ${detail}` };
        case "blocked":
          return { correct: false, verdict: "error", reason: `blocked: ${detail}` };
        case "crash":
        case undefined:
          return {
            correct: false,
            verdict: "error",
            reason: `the code crashed: ${detail || "unknown error"}`,
          };
        default:
          return run.failure satisfies never;
      }
    default:
      return run.reason satisfies never;
  }
}

/** Runs the program in `candidate`, then `tests.code` against it, and grades the outcome. */
export async function gradeCode(
  candidate: string,
  tests: CodeTests,
  options: GradeCodeOptions = {},
): Promise<CodeGradeResult> {
  const { timeoutMs = 10_000, memoryMb } = options;
  const code = extractCode(candidate, tests.language);
  if (code === "") {
    return {
      correct: false,
      verdict: "unparseable",
      predicted: null,
      gold: null,
      method: "tests",
      reason: `no ${tests.language} code found in the output`,
    };
  }
  const run = await runTests({ language: tests.language, code, tests: tests.code, timeoutMs, memoryMb });
  return { ...verdictOf(run), predicted: code, gold: null, method: "tests", run };
}
