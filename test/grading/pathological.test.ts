import assert from "node:assert/strict";
import { test } from "node:test";
import { answerKey, GradePool, gradeSync } from "../../src/grading/index.ts";
import type { GradeResult } from "../../src/grading/types.ts";
import { asGradings, pathologicalShapes } from "./pathological-shapes.ts";

/**
 * Every pathological shape (deep nesting, megabytes of digits, 20k-element sets, 300×300 matrices,
 * text built for backtracking) gets a verdict on every grading path: in-process (gradeSync, answerKey
 * as voting calls it on the event loop) and in the worker pool under a tight limit while a timer keeps
 * firing. The parser is linear on them now, so "within 1 s" is generous: they take milliseconds.
 */
const gradings = asGradings(pathologicalShapes());
const GENEROUS_MS = 1000;

/** A verdict, not a crash: "error" only for a gold text with no answer in it. */
function answered(result: GradeResult): boolean {
  if (result.verdict === "error") return result.reason === "no answer found in the gold text";
  return ["correct", "incorrect", "unparseable", "timeout"].includes(result.verdict);
}

test("the corpus has every class of the review, at the review's sizes", () => {
  const names = gradings.map((g) => g.name).join("\n");
  for (const word of [
    "nested fractions",
    "multi-megabyte",
    "20k-element set",
    "300x300",
    "approximate",
    "unit words",
  ])
    assert.match(names, new RegExp(word));
  assert.ok(gradings.some((g) => g.candidate.length >= 2_000_000));
});

test("gradeSync answers every shape within 1 s, with a verdict and no crash", () => {
  const slow: string[] = [];
  for (const { name, candidate, gold } of gradings) {
    const started = performance.now();
    const result = gradeSync(candidate, gold);
    const ms = performance.now() - started;
    assert.ok(answered(result), `${name}: ${result.verdict} (${result.reason})`);
    if (ms > GENEROUS_MS) slow.push(`${name}: ${ms.toFixed(0)} ms`);
  }
  assert.deepEqual(slow, []);
});

test("answerKey (voting, on the event loop) answers every shape within 1 s", () => {
  const slow: string[] = [];
  for (const { name, candidate } of gradings) {
    const started = performance.now();
    const key = answerKey(candidate);
    const ms = performance.now() - started;
    assert.ok(key === null || key.length <= 300, `${name}: a key of ${key?.length} chars`);
    if (ms > GENEROUS_MS) slow.push(`${name}: ${ms.toFixed(0)} ms`);
  }
  assert.deepEqual(slow, []);
});

test("in the pool, under a tight limit, every shape is answered while the event loop keeps ticking", async () => {
  const pool = new GradePool({ size: 2, timeoutMs: 2000 });
  let ticks = 0;
  let last = performance.now();
  let longestGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks++;
  }, 5);
  try {
    const results = await Promise.all(gradings.map((g) => pool.grade(g.candidate, g.gold)));
    results.forEach((result: GradeResult, i) => {
      const { name, candidate, gold } = gradings[i];
      assert.ok(answered(result), `${name}: ${result.verdict} (${result.reason})`);
      // The same verdict as in-process, unless the wall clock ran out first (a loaded machine).
      if (result.verdict !== "timeout")
        assert.equal(result.verdict, gradeSync(candidate, gold).verdict, name);
    });
    assert.ok(ticks > 0);
    assert.ok(longestGap < GENEROUS_MS, `the event loop stalled for ${longestGap.toFixed(0)} ms`);
  } finally {
    clearInterval(timer);
    await pool.close();
  }
});

test("no pathological shape is correct against a gold it does not equal", () => {
  // Each shape against a gold no sensible reading of it equals.
  for (const { name, candidate } of gradings.filter((g) => !g.name.endsWith("(as gold)"))) {
    const result = gradeSync(candidate, "\\frac{12345}{678}");
    assert.notEqual(result.verdict, "correct", name);
    assert.notEqual(answerKey(candidate), answerKey("\\frac{12345}{678}"), name);
  }
});
