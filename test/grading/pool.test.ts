import assert from "node:assert/strict";
import { test } from "node:test";
import { closeSharedGradePool, GradePool, grade, gradeSync } from "../../src/grading/index.ts";
import { STALL } from "./fixtures/stall-grade-worker.ts";

/** A pool whose workers stall on the candidate "STALL" (see the fixture): time is the limit alone. */
const stallingPool = (options: { size?: number; timeoutMs?: number } = {}) =>
  new GradePool({ ...options, workerModule: new URL("./fixtures/stall-grade-worker.ts", import.meta.url) });

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

test("a grading past its time limit is a timeout, never correct; the caller stays responsive and the pool recovers", async () => {
  const pool = stallingPool({ size: 1, timeoutMs: 300 });
  try {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const result = await pool.grade(STALL, "5");
    clearInterval(timer);
    assert.equal(result.verdict, "timeout");
    assert.equal(result.correct, false);
    assert.match(result.reason, /longer than 300 ms/);
    assert.ok(ticks > 0, "the event loop kept running while the worker was stuck");
    // The worker was replaced: the next grading works.
    assert.equal((await pool.grade("\\boxed{4}", "4")).verdict, "correct");
  } finally {
    await pool.close();
  }
});

test("gradings queued behind a timed-out one in the same worker are graded, not lost", async () => {
  const pool = stallingPool({ size: 1, timeoutMs: 300 });
  try {
    const results = await Promise.all([
      pool.grade(STALL, "1"),
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

test("a per-grading timeoutMs overrides the pool's default", async () => {
  const pool = stallingPool({ size: 1, timeoutMs: 60_000 });
  try {
    const result = await grade(STALL, "1", { pool, timeoutMs: 200 });
    assert.equal(result.verdict, "timeout");
    assert.match(result.reason, /longer than 200 ms/);
  } finally {
    await pool.close();
  }
});

test("close() settles waiting gradings and refuses new ones", async () => {
  const pool = stallingPool({ size: 1 });
  const pending = [pool.grade(STALL, "1"), pool.grade("1", "1")];
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

test("grade() uses a shared pool", async () => {
  try {
    assert.equal((await grade("\\boxed{2}", "2")).verdict, "correct");
    assert.equal((await grade("\\boxed{}", "2")).verdict, "unparseable");
  } finally {
    await closeSharedGradePool();
  }
});
