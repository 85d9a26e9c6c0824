import assert from "node:assert/strict";
import { test } from "node:test";
import { closeSharedGradePool, GradePool, grade, gradeSync } from "../../src/grading/index.ts";

/** A set of n numbers against its reverse: equal, but matching it element by element is quadratic. */
function hugeSets(n: number): [string, string] {
  const items = Array.from({ length: n }, (_, i) => i);
  return [`\\boxed{\\{${items.join(",")}\\}}`, `\\boxed{\\{${items.reverse().join(",")}\\}}`];
}

test("the pool grades like gradeSync, in input order", async () => {
  const pool = new GradePool({ size: 2 });
  try {
    const pairs: Array<[string, string]> = [
      ["\\boxed{0.5}", "\\frac12"],
      ["#### 7", "8"],
      ["The answer is $x = 3$.", "3"],
      ["(1,2)", "(2,1)"],
    ];
    const results = await Promise.all(pairs.map(([pred, gold]) => pool.grade(pred, gold)));
    assert.deepEqual(
      results,
      pairs.map(([pred, gold]) => gradeSync(pred, gold)),
    );
    assert.deepEqual(
      results.map((r) => r.verdict),
      ["correct", "incorrect", "correct", "incorrect"],
    );
  } finally {
    await pool.close();
  }
});

test("a pathological grading times out without blocking the caller, and the pool recovers", async () => {
  const pool = new GradePool({ size: 1, timeoutMs: 300 });
  try {
    const [pred, gold] = hugeSets(4000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const started = Date.now();
    const result = await pool.grade(pred, gold);
    clearInterval(timer);
    assert.equal(result.verdict, "timeout");
    assert.equal(result.correct, false);
    assert.ok(ticks > 5, "the main thread kept running while the worker was busy");
    assert.ok(Date.now() - started < 20_000);
    // The worker was replaced: the next grading works.
    const after = await pool.grade("\\boxed{4}", "4", { timeoutMs: 5000 });
    assert.equal(after.verdict, "correct");
  } finally {
    await pool.close();
  }
});

test("gradings queued behind a timed-out one in the same worker are graded, not lost", async () => {
  const pool = new GradePool({ size: 1, timeoutMs: 300 });
  try {
    const [pred, gold] = hugeSets(4000);
    const results = await Promise.all([
      pool.grade(pred, gold),
      pool.grade("\\boxed{1}", "1"),
      pool.grade("\\boxed{2}", "3"),
      pool.grade("x = 3", "3"),
    ]);
    assert.deepEqual(
      results.map((r) => r.verdict),
      ["timeout", "correct", "incorrect", "correct"],
    );
  } finally {
    await pool.close();
  }
});

test("close() settles waiting gradings and refuses new ones", async () => {
  const pool = new GradePool({ size: 1 });
  const [pred, gold] = hugeSets(4000);
  const pending = [pool.grade(pred, gold), pool.grade("1", "1")];
  await pool.close();
  const settled = await Promise.all(pending);
  assert.deepEqual(
    settled.map((r) => r.verdict),
    ["error", "error"],
  );
  await assert.rejects(pool.grade("1", "1"), /closed/);
});

test("bad pool options are rejected with BAD_REQUEST", () => {
  assert.throws(() => new GradePool({ size: 0 }), { code: "BAD_REQUEST" });
  assert.throws(() => new GradePool({ timeoutMs: -1 }), { code: "BAD_REQUEST" });
});

test("grade() uses a shared pool with the hard time limit from GradeOptions.timeoutMs", async () => {
  try {
    assert.equal((await grade("\\boxed{2}", "2")).verdict, "correct");
    const [pred, gold] = hugeSets(4000);
    assert.equal((await grade(pred, gold, { timeoutMs: 200 })).verdict, "timeout");
    assert.equal((await grade("\\boxed{}", "2")).verdict, "unparseable");
  } finally {
    await closeSharedGradePool();
  }
});
