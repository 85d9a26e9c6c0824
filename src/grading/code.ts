/**
 * Grades a code answer by running it against tests in the sandbox: extract the program from the
 * model's output, append the tests, run both as one program, and turn what happened into a verdict.
 *
 * A test signals failure with an assertion (`assert` in Python; the `assert` helper below, or any
 * error named AssertionError, in JavaScript) or, in Python, a non-zero `sys.exit`. Any other
 * exception is the candidate crashing: verdict `error`, never a silent `incorrect`.
 */
import { runCode } from "../sandbox/run-code.ts";
import type { SandboxResult } from "../sandbox/types.ts";
import type { CodeTests } from "../strategies/types.ts";
import type { GradeResult } from "./types.ts";

export interface GradeCodeOptions {
  /** Wall-clock limit for the candidate plus tests, in ms. Default 10000. */
  timeoutMs?: number;
  /** Memory limit for the run in MiB. Default: the sandbox's (64 JavaScript, 256 Python). */
  memoryMb?: number;
}

export interface CodeGradeResult extends GradeResult {
  /** The sandbox run behind the verdict (stdout, stderr, timings); absent when nothing ran. */
  run?: SandboxResult;
}

const FENCE_NAMES: Record<CodeTests["language"], ReadonlySet<string>> = {
  javascript: new Set(["js", "javascript", "mjs", "cjs", "node", "jsx"]),
  python: new Set(["py", "python", "python3", "py3"]),
};

/**
 * Minimal Node-style `assert` for JavaScript tests (QuickJS has no modules): `assert(cond, msg)`,
 * `assert.equal/strictEqual/notEqual/deepEqual/deepStrictEqual/throws`. Assigned to `globalThis`,
 * not declared, so a candidate that declares its own `assert` still parses.
 */
const JS_ASSERT = `globalThis.assert = (() => {
  class AssertionError extends Error { constructor(m) { super(m); this.name = "AssertionError"; } }
  const show = (v) => { try { return JSON.stringify(v); } catch { return String(v); } };
  const deep = (a, b) => {
    if (Object.is(a, b)) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => deep(a[k], b[k]));
  };
  const fail = (message, fallback) => { throw new AssertionError(message ?? fallback); };
  const assert = (value, message) => { if (!value) fail(message, "expected a truthy value, got " + show(value)); };
  assert.ok = assert;
  assert.equal = (a, b, m) => { if (a != b) fail(m, show(a) + " == " + show(b)); };
  assert.strictEqual = (a, b, m) => { if (!Object.is(a, b)) fail(m, show(a) + " === " + show(b)); };
  assert.notEqual = (a, b, m) => { if (a == b) fail(m, show(a) + " != " + show(b)); };
  assert.notStrictEqual = (a, b, m) => { if (Object.is(a, b)) fail(m, show(a) + " !== " + show(b)); };
  assert.deepEqual = assert.deepStrictEqual = (a, b, m) => { if (!deep(a, b)) fail(m, show(a) + " deep-equals " + show(b)); };
  assert.throws = (fn, m) => { try { fn(); } catch { return; } fail(m, "expected the function to throw"); };
  assert.AssertionError = AssertionError;
  return assert;
})();
`;

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

function verdictOf(run: SandboxResult): Pick<GradeResult, "correct" | "verdict" | "reason"> {
  switch (run.reason) {
    case "ok":
      return { correct: true, verdict: "correct", reason: "all tests passed" };
    case "timeout":
      return { correct: false, verdict: "timeout", reason: run.error ?? "timed out" };
    case "memory":
      return { correct: false, verdict: "error", reason: `out of memory: ${run.error ?? ""}`.trim() };
    case "syntax":
      return { correct: false, verdict: "error", reason: `syntax error: ${run.error ?? ""}`.trim() };
    case "error": {
      const error = run.error ?? "unknown error";
      const testFailed = /^AssertionError\b/.test(error) || /^SystemExit: /.test(error);
      return testFailed
        ? { correct: false, verdict: "incorrect", reason: `test failed: ${error}` }
        : { correct: false, verdict: "error", reason: `the code crashed: ${error}` };
    }
    default:
      return run.reason satisfies never;
  }
}

/** Runs the program in `candidate` followed by `tests.code` and grades the outcome. */
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
  const program =
    tests.language === "javascript"
      ? `${JS_ASSERT}${code}\n;\n${tests.code}\n`
      : `${code}\n\n${tests.code}\n`;
  // As an imported module, so a Python candidate's `if __name__ == "__main__":` demo stays quiet.
  const run =
    tests.language === "python"
      ? await runCode({ language: "python", code: program, timeoutMs, memoryMb, moduleName: "solution" })
      : await runCode({ language: "javascript", code: program, timeoutMs, memoryMb });
  return { ...verdictOf(run), predicted: code, gold: null, method: "tests", run };
}
