import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createRewardScorer } from "../../src/rewards/create-reward-scorer.ts";
import { DEFAULT_SHAPING, formatScore, lengthPenalty } from "../../src/rewards/shaping.ts";

/** Thinking models are graded after `</think>`; format and length shaping are optional, each reported. */

const plain = createRewardScorer({ timeoutMs: 5000 });
const shaped = createRewardScorer({
  timeoutMs: 5000,
  shaping: { formatWeight: 0.5, lengthWeight: 0.25, lengthTarget: 100, lengthSpan: 100 },
});
after(() => Promise.all([plain.close(), shaped.close()]));

test("the answer is read after </think>; a thinking block that never closed has none: 0", async () => {
  const results = await plain.score([
    { output: "<think>2+2 is 4, not 5</think> The answer is \\boxed{4}", gold: "4" },
    { output: "<think>Maybe \\boxed{5}? No.</think> \\boxed{4}", gold: "4" },
    { output: "<think>2+2... so \\boxed{4}", gold: "4" },
    { output: "<think>It is B.", gold: "B", kind: "choice", choices: ["3", "4"] },
    { output: "<think>Maybe \\boxed{4}</think> \\boxed{5}", gold: "4" },
  ]);
  assert.deepEqual(
    results.map((r) => [r.verdict, r.reward, r.scored]),
    [
      ["correct", 1, true],
      ["correct", 1, true],
      ["unparseable", 0, true],
      ["unparseable", 0, true],
      ["incorrect", 0, true],
    ],
  );
  assert.equal(results[2].predicted, null);
  // Shaping is off by default: correctness is the only component.
  assert.deepEqual(results[0].components, { correctness: 1 });
});

test("format: well-formed thinking and an answer present, the mean of the checks that apply", () => {
  const cases: Array<[string, boolean, number]> = [
    ["<think>a</think> \\boxed{4}", true, 1],
    ["\\boxed{4}", true, 1],
    ["no answer here", false, 0],
    ["<think>a</think> nothing", false, 0.5],
    ["<think>a \\boxed{4}", false, 0],
    ["<think>a</think><think>b</think> \\boxed{4}", true, 0.5],
    ["</think>a<think> \\boxed{4}", true, 0.5],
    ["a</think> \\boxed{4}", true, 0.5],
  ];
  for (const [output, answer, expected] of cases) assert.equal(formatScore(output, answer), expected, output);
});

test("length: 0 up to the target, then down to -1 at target + span", () => {
  const shaping = { ...DEFAULT_SHAPING, lengthTarget: 100, lengthSpan: 50 };
  assert.deepEqual(
    [0, 100, 101, 125, 150, 10_000].map((n) => lengthPenalty(n, shaping)),
    [0, 0, -0.02, -0.5, -1, -1],
  );
});

test("reward = correctness + weighted shaping, each component reported", async () => {
  const long = `<think>${"x".repeat(135)}</think> \\boxed{4}`; // 160 characters: 60 past the target
  const results = await shaped.score([
    { output: "<think>ok</think> \\boxed{4}", gold: "4" },
    { output: "<think>ok</think> \\boxed{5}", gold: "4" },
    { output: "<think>ok \\boxed{4}", gold: "4" },
    { output: long, gold: "4" },
    { output: "<think>ok</think> \\boxed{4}", gold: "\\boxed{}" },
  ]);
  assert.deepEqual(results[0].components, { correctness: 1, format: 1, length: 0 });
  assert.equal(results[0].reward, 1.5);
  assert.deepEqual(results[1].components, { correctness: 0, format: 1, length: 0 });
  assert.equal(results[1].reward, 0.5);
  assert.deepEqual(results[2].components, { correctness: 0, format: 0, length: 0 });
  assert.equal(results[2].reward, 0);
  assert.equal(long.length, 160);
  assert.ok(Math.abs((results[3].components.length ?? 0) - -0.6) < 1e-12);
  assert.ok(Math.abs(results[3].reward - (1 + 0.5 - 0.25 * 0.6)) < 1e-12);
  // A bad gold gets no bonus: exactly the fallback.
  assert.equal(results[4].verdict, "bad-gold");
  assert.equal(results[4].reward, 0);
  assert.deepEqual(results[4].components, { correctness: 0, format: 0, length: 0 });
});

test("every result carries its verdict, answers, method, reason, components and time", async () => {
  const [result] = await plain.score([
    { output: "So $x = \\frac{1}{2}$. Final answer: 0.5", gold: "\\frac12" },
  ]);
  assert.equal(result.verdict, "correct");
  assert.equal(result.predicted, "0.5");
  assert.equal(typeof result.gold, "string");
  assert.equal(typeof result.method, "string");
  assert.equal(typeof result.reason, "string");
  assert.ok(result.ms >= 0);
});

test("bad options are refused, naming the option", () => {
  assert.throws(() => createRewardScorer({ timeoutMs: 0 }), /`timeoutMs`/);
  assert.throws(() => createRewardScorer({ shaping: { formatWeight: -1 } }), /`shaping.formatWeight`/);
  assert.throws(() => createRewardScorer({ fallback: Number.NaN }), /`fallback`/);
});
