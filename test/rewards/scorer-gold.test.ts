import assert from "node:assert/strict";
import { after, test } from "node:test";
import { GradePool } from "../../src/grading/pool.ts";
import { createRewardScorer } from "../../src/rewards/create-reward-scorer.ts";
import { GoldChecker } from "../../src/rewards/gold-check.ts";
import { STALL } from "../grading/fixtures/stall-grade-worker.ts";

/** A gold that cannot be checked is never rewarded: `bad-gold`, the fallback, unscored (open-r1 #293). */

const scorer = createRewardScorer({ timeoutMs: 5000, fallback: -0.5, shaping: { formatWeight: 0.2 } });
after(() => scorer.close());

const unparseable = [
  ["empty", ""],
  ["whitespace", "   \n"],
  ["prose", "The problem does not say enough to determine the value."],
  ["an empty box", "\\boxed{}"],
  ["an empty box in a solution", "So the total is $\\boxed{ }$."],
  ["an unclosed box (unbalanced brace)", "\\boxed{3"],
  ["a lone dollar", "$"],
];

test("unparseable golds never yield 1: bad-gold, the fallback exactly, unscored, no shaping bonus", async () => {
  // Outputs that would match whatever the gold meant, or the gold's own text.
  const items = unparseable.flatMap(([, gold]) =>
    [gold, "\\boxed{3}", "<think>ok</think> The answer is \\boxed{}", ""].map((output) => ({ output, gold })),
  );
  const results = await scorer.score(items);
  results.forEach((result, i) => {
    const what = `${unparseable[Math.floor(i / 4)][0]}: output ${JSON.stringify(items[i].output)}`;
    assert.equal(result.verdict, "bad-gold", what);
    assert.equal(result.scored, false, what);
    assert.equal(result.reward, -0.5, what);
    assert.deepEqual(result.components, { correctness: -0.5, format: 0 }, what);
    assert.equal(result.method, "gold-check", what);
    assert.match(result.reason, /^no-answer: /, what);
  });
});

test("a choice gold that is not one of the options is bad-gold", async () => {
  const [result] = await scorer.score([
    { output: "\\boxed{E}", gold: "E", kind: "choice", choices: ["1", "2", "3", "4"] },
  ]);
  assert.equal(result.verdict, "bad-gold");
  assert.equal(result.reward, -0.5);
});

test("a well-formed gold is checked once per (gold, kind, choices) for a whole batch", async () => {
  const local = createRewardScorer({ timeoutMs: 5000, workers: 1 });
  try {
    const outputs = Array.from({ length: 256 }, (_, i) => `\\boxed{${i % 4 === 0 ? "\\frac{1}{2}" : i}}`);
    const results = await local.score(outputs.map((output) => ({ output, gold: "0.5" })));
    assert.equal(results.filter((r) => r.reward === 1).length, 64);
    assert.ok(results.every((r) => r.scored && r.gold === "0.5"));
  } finally {
    await local.close();
  }
  const pool = new GradePool({ size: 1 });
  try {
    const golds = new GoldChecker({ pool, timeoutMs: 5000 });
    const first = golds.checkAnswer("0.5", "math");
    // One check in flight, shared by every sample of the prompt.
    for (let i = 0; i < 100; i++) assert.equal(golds.checkAnswer("0.5", "math"), first);
    const checks = await Promise.all([
      first,
      golds.checkAnswer("B", "choice"),
      golds.checkAnswer("B", "choice", ["x", "y"]),
      golds.checkAnswer("B", "choice", ["x", "y", "z"]),
    ]);
    assert.deepEqual(
      checks.map((c) => c.ok),
      [true, true, true, true],
    );
    assert.equal(golds.size, 4);
    assert.equal(golds.checkAnswer("0.5", "math"), first);
  } finally {
    await pool.close();
  }
});

test("the gold cache is bounded by entries and by characters", async () => {
  const pool = new GradePool({ size: 1 });
  try {
    const golds = new GoldChecker({ pool, timeoutMs: 5000, maxEntries: 8, maxChars: 1000 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => golds.checkAnswer(String(i), "math")));
    assert.equal(golds.size, 8);
    await golds.checkAnswer("7".repeat(600), "math");
    await golds.checkAnswer("8".repeat(600), "math");
    assert.ok(golds.size <= 2, `${golds.size} entries`);
    // The most recent is kept and answers from the cache.
    assert.ok(golds.answerCheck("8".repeat(600), "math").known?.ok);
  } finally {
    await pool.close();
  }
});

test("a gold whose self-grading hangs is bad-gold (unchecked) and is not cached; the batch is scored", async () => {
  // The grading fixture's worker stalls on the candidate "STALL": time is the pool's limit alone.
  const pool = new GradePool({
    size: 2,
    workerModule: new URL("../grading/fixtures/stall-grade-worker.ts", import.meta.url),
  });
  const local = createRewardScorer({ timeoutMs: 300, pool });
  try {
    const results = await local.score([
      { output: "\\boxed{4}", gold: STALL },
      { output: "\\boxed{4}", gold: "4" },
      { output: STALL, gold: "4" },
      { output: "\\boxed{5}", gold: "4" },
    ]);
    assert.deepEqual(
      results.map((r) => [r.verdict, r.scored, r.reward]),
      [
        ["bad-gold", false, 0],
        ["correct", true, 1],
        ["timeout", false, 0],
        ["incorrect", true, 0],
      ],
    );
    assert.match(results[0].reason, /^unchecked: .*longer than 300 ms/);
    // An output that hangs the grader is the grader's timeout: the fallback, unscored.
    assert.match(results[2].reason, /longer than 300 ms/);
    // A timed-out check may pass another time (a loaded machine): it is not kept.
    const golds = new GoldChecker({ pool, timeoutMs: 300 });
    const check = await golds.checkAnswer(STALL, "math");
    assert.equal(check.ok, false);
    assert.equal(golds.size, 0);
  } finally {
    await local.close();
    // A pool passed in is the caller's to close; the scorer left it open.
    assert.equal((await pool.grade("\\boxed{1}", "1")).verdict, "correct");
    await pool.close();
  }
});
