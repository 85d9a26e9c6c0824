/**
 * The native contract, `POST /v1/rewards`, over real HTTP on loopback with the real scorer: the
 * full RewardResult per item; crashed code is 0, an unparseable gold never 1; and a batch of 256
 * that mixes pathological items (exponent towers, a 5 MB string, programs that never end) with
 * normal ones comes back in bounded time with every normal item scored.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RewardItem, RewardResult } from "../../src/rewards/types.ts";
import { runTests } from "../../src/sandbox/run-tests.ts";
import { withRealScorer } from "./service-helpers.ts";

/**
 * A small per-item limit, so the pathological items are cut quickly; not so small that a trivial item
 * misses it on a 2-core machine shared with the batch's spinning programs (500 ms did once).
 */
const LIMIT_MS = 1000;
/** Generous for a loaded 2-core machine: what is checked is that the batch is bounded, not fast. */
const BOUND_MS = 20 * LIMIT_MS;
const FIVE_MB = 5 * 1024 * 1024;

const service = withRealScorer({ timeoutMs: LIMIT_MS, workers: 2 });

const post = (items: RewardItem[]) => service().post<{ results: RewardResult[] }>("/v1/rewards", { items });
const py = (code: string) => ({ language: "python" as const, code });

test("each item gets the full RewardResult: verdict, scored, answers, method, reason, components, ms", async () => {
  const reply = await post([
    { output: "<think>6*7</think> The final answer is $\\boxed{42}$", gold: "42", prompt: "6*7?" },
    { output: "The answer is \\boxed{41}", gold: "42" },
    { output: "The answer is \\boxed{42}", gold: "\\boxed{" },
    { output: "```python\ndef f(x):\n    return [][x]\n```", kind: "code", tests: py("assert f(1) == 1") },
  ]);
  assert.equal(reply.status, 200);
  const [right, wrong, badGold, crashed] = reply.json.results;
  assert.equal(right!.verdict, "correct");
  assert.equal(right!.reward, 1);
  assert.equal(right!.scored, true);
  assert.match(right!.predicted ?? "", /42/);
  assert.equal(typeof right!.method, "string");
  assert.equal(typeof right!.reason, "string");
  assert.equal(typeof right!.ms, "number");
  assert.deepEqual(right!.components, { correctness: 1 });
  assert.equal(wrong!.verdict, "incorrect");
  assert.equal(wrong!.reward, 0);
  assert.equal(badGold!.verdict, "bad-gold");
  assert.equal(badGold!.reward, 0);
  assert.equal(badGold!.scored, false);
  assert.equal(crashed!.reward, 0, "crashed code is never rewarded");
  assert.equal(crashed!.verdict, "error");
  assert.match(crashed!.reason, /IndexError/);
});

/** 256 items: normal math and choice items with known rewards, and pathological ones at fixed places. */
function mixedBatch(): { items: RewardItem[]; expected: Array<number | "pathological"> } {
  const pathological: RewardItem[] = [
    { output: `\\boxed{${"2^".repeat(50)}2}`, gold: "4" },
    { output: "$2^{2^{2^{2^{2^{2^{2^{2}}}}}}}$", gold: "65536" },
    { output: `The answer is ${"7".repeat(FIVE_MB)}`, gold: "7" },
    {
      output: "```python\ndef add(a, b):\n    while True:\n        pass\n```",
      kind: "code",
      tests: py("assert add(1, 2) == 3"),
    },
    {
      output: "```js\nwhile (true) {}\n```",
      kind: "code",
      tests: { language: "javascript", code: "assert(true)" },
    },
    { output: "```python\nwhile True:\n    pass\n```", kind: "code", tests: py("pass") },
  ];
  const items: RewardItem[] = [];
  const expected: Array<number | "pathological"> = [];
  for (let i = 0; items.length < 256; i++) {
    if (i % 40 === 7 && i / 40 < pathological.length) {
      items.push(pathological[Math.floor(i / 40)]!);
      expected.push("pathological");
      continue;
    }
    const right = i % 3 !== 0;
    if (i % 10 === 4) {
      items.push({
        output: `It is (${right ? "A" : "D"}).`,
        gold: "A",
        kind: "choice",
        choices: ["x", "y", "z", "w"],
      });
    } else {
      items.push({ output: `so the total is \\boxed{${right ? i * 3 : i * 3 + 1}}`, gold: String(i * 3) });
    }
    expected.push(right ? 1 : 0);
  }
  return { items, expected };
}

test("a batch of 256 with pathological items returns in bounded time, every normal item scored", async () => {
  // Warm the workers, and both interpreters under a generous limit (a first run on a loaded machine
  // can be slow): the bound below is about the per-item limit, not about start-up.
  const warm = await post([{ output: "\\boxed{1}", gold: "1" }]);
  assert.equal(warm.json.results[0]!.reward, 1);
  const programs = [
    { language: "javascript" as const, code: "var x = 1;", tests: "assert(x === 1);" },
    { language: "python" as const, code: "x = 1", tests: "assert x == 1" },
  ];
  for (const program of programs) {
    const run = await runTests({ ...program, timeoutMs: 60_000 });
    assert.equal(run.passed, true, run.error);
  }
  const { items, expected } = mixedBatch();
  assert.equal(items.length, 256);
  const started = performance.now();
  const reply = await post(items);
  const elapsed = performance.now() - started;
  assert.equal(reply.status, 200);
  const slowest = reply.json.results
    .map((result, i) => ({ ms: result.ms, what: `item ${i} ${result.verdict} ${Math.round(result.ms)} ms` }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map((slow) => slow.what);
  assert.ok(
    elapsed < BOUND_MS,
    `the batch took ${Math.round(elapsed)} ms (bound ${BOUND_MS} ms); slowest: ${slowest.join(", ")}`,
  );
  reply.json.results.forEach((result, i) => {
    if (expected[i] === "pathological") {
      assert.equal(result.reward, 0, `pathological item ${i}: ${result.verdict} ${result.reason}`);
    } else {
      assert.equal(result.scored, true, `normal item ${i}: ${result.verdict} ${result.reason}`);
      assert.equal(result.reward, expected[i], `normal item ${i}: ${JSON.stringify(items[i]).slice(0, 100)}`);
    }
  });
  const timedOut = reply.json.results.filter((r) => r.verdict === "timeout").length;
  assert.ok(timedOut >= 2, `the never-ending programs time out (${timedOut} timeouts)`);
});
