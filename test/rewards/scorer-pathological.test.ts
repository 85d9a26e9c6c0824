import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createRewardScorer } from "../../src/rewards/create-reward-scorer.ts";
import type { RewardItem } from "../../src/rewards/types.ts";
import { runTests } from "../../src/sandbox/run-tests.ts";
import type { CodeTests } from "../../src/sandbox/types.ts";
import { pathologicalShapes } from "../grading/pathological-shapes.ts";

/**
 * One pathological item times out (or is refused) alone while the rest of its batch is scored:
 * items are in flight together, math in the grading pool, code in the sandbox, each under the limit.
 */
const LIMIT_MS = 500;
/** Generous for a loaded machine: the limit is what matters, not how fast this machine grades. */
const BOUND_MS = 10 * LIMIT_MS;

const scorer = createRewardScorer({ timeoutMs: LIMIT_MS, workers: 2 });
after(() => scorer.close());

const js: CodeTests = { language: "javascript", code: "assert.strictEqual(add(2, 3), 5);" };
const py: CodeTests = { language: "python", code: "assert add(2, 3) == 5" };
const FIVE_MB = 5 * 1024 * 1024;

function normalItems(n: number): Array<{ item: RewardItem; reward: number }> {
  return Array.from({ length: n }, (_, i) => {
    const right = i % 3 !== 0;
    if (i % 10 === 9) {
      return {
        item: { output: `The answer is (${right ? "B" : "C"}).`, gold: "B", kind: "choice" },
        reward: right ? 1 : 0,
      };
    }
    const gold = `\\frac{${i}}{4}`;
    return {
      item: { output: `<think>${i} quarters</think> so it is \\boxed{${right ? i / 4 : i / 4 + 1}}`, gold },
      reward: right ? 1 : 0,
    };
  });
}

/** Items that must come back as 0: wrong, refused or out of time. */
const pathological: Array<[string, RewardItem]> = [
  ["exponent tower", { output: "\\boxed{2^2^2^2^2^2^2}", gold: "4" }],
  ["braced exponent tower", { output: "$2^{2^{2^{2^{2^{2^{2}}}}}}$", gold: "4" }],
  ["5 MB output", { output: `The answer is ${"9".repeat(FIVE_MB)}`, gold: "4" }],
  ["5 MB of prose", { output: "so we get ".repeat(FIVE_MB / 10), gold: "1" }],
  ["while(true){} in JavaScript", { output: "```js\nwhile (true) {}\n```", kind: "code", tests: js }],
  [
    "a loop in a Python function",
    { output: "```python\ndef add(a, b):\n    while True: pass\n```", kind: "code", tests: py },
  ],
];
/**
 * A few of the grading corpus's shapes (deep nesting, a long minus chain), the cheap ones: the corpus
 * itself runs through the pool in test/grading/pathological.test.ts, and its costliest shapes would make
 * this bound about the machine's speed. Some of them are even right.
 */
const shapes: Array<[string, RewardItem]> = pathologicalShapes(0.5)
  .filter((shape) => /^(nested fractions|power tower|long minus chain|nested boxes)/.test(shape.name))
  .map((shape) => [shape.name, { output: shape.pred, gold: shape.gold }]);

test("a batch of 64 with pathological items: every normal item scored, each pathological one 0, in bounded time", async () => {
  // Start the workers and interpreters first, under a generous limit (a first run on a loaded
  // machine can be slow): the bound below is about the per-item limit, not about start-up.
  const [warm] = await scorer.score([{ output: "\\boxed{1}", gold: "1" }]);
  assert.equal(warm.reward, 1);
  const programs = { javascript: "const add = (a, b) => a + b;", python: "def add(a, b):\n    return a + b" };
  for (const tests of [js, py]) {
    const run = await runTests({
      language: tests.language,
      code: programs[tests.language],
      tests: tests.code,
      timeoutMs: 60_000,
    });
    assert.equal(run.passed, true, run.error);
  }

  type Entry = { name: string; item: RewardItem; expect: "reward" | "zero" | "any"; reward?: number };
  const hard: Entry[] = [
    ...pathological.map(([name, item]): Entry => ({ name, item, expect: "zero" })),
    ...shapes.map(([name, item]): Entry => ({ name, item, expect: "any" })),
  ];
  const normal: Entry[] = normalItems(64 - hard.length).map(({ item, reward }, i) => ({
    name: `normal item ${i}`,
    item,
    expect: "reward",
    reward,
  }));
  // Spread the hard items through the batch.
  const batch = [...normal];
  for (const [k, entry] of hard.entries()) {
    batch.splice(Math.round(((k + 0.5) * batch.length) / hard.length), 0, entry);
  }
  assert.equal(batch.length, 64);

  const started = performance.now();
  const results = await scorer.score(batch.map((entry) => entry.item));
  const elapsed = performance.now() - started;

  const slowest = results
    .map((result, i) => ({
      ms: result.ms,
      what: `${batch[i].name} ${result.verdict} ${result.ms.toFixed(0)} ms`,
    }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map((slow) => slow.what);
  assert.ok(
    elapsed < BOUND_MS,
    `the batch took ${elapsed.toFixed(0)} ms (limit ${LIMIT_MS} ms per item); slowest: ${slowest.join(", ")}`,
  );
  results.forEach((result, i) => {
    const { name, expect, reward } = batch[i];
    const why = `${name}: ${result.verdict} (${result.reason})`;
    if (expect === "reward") {
      assert.ok(result.scored, why);
      assert.equal(result.reward, reward, why);
    } else if (expect === "zero") {
      assert.equal(result.reward, 0, why);
      assert.notEqual(result.verdict, "correct", why);
    } else {
      assert.equal(result.reward, result.verdict === "correct" ? 1 : 0, why);
    }
  });
  // The infinite loops ran into the limit; they are the candidate's fault: 0, scored.
  for (const [name, item] of pathological.filter(([, it]) => it.kind === "code")) {
    const result = results[batch.findIndex((entry) => entry.item === item)];
    assert.equal(result.verdict, "timeout", name);
    assert.equal(result.scored, true, name);
  }
});

test("an aborted batch rejects with ABORTED at once; the scorer goes on scoring", async () => {
  const controller = new AbortController();
  const batch = scorer.score(
    [
      { output: "```js\nwhile (true) {}\n```", kind: "code", tests: js },
      { output: "\\boxed{1}", gold: "1" },
    ],
    { signal: controller.signal },
  );
  controller.abort();
  await assert.rejects(batch, (error: { code?: string }) => error.code === "ABORTED");
  await assert.rejects(scorer.score([{ output: "1", gold: "1" }], { signal: controller.signal }), /aborted/);
  const [again] = await scorer.score([{ output: "\\boxed{1}", gold: "1" }]);
  assert.equal(again.reward, 1);
});
