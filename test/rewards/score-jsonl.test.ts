import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createRewardScorer } from "../../src/rewards/create-reward-scorer.ts";
import { describeSummary, scoreJsonl } from "../../src/rewards/score-jsonl.ts";

async function* linesOf(lines: string[]) {
  for (const line of lines) yield line;
}

const scorer = createRewardScorer({ timeoutMs: 5000, workers: 2 });
after(() => scorer.close());

test("scoreJsonl: every trainer's field names, results in input order, ids passed through", async () => {
  const lines = [
    JSON.stringify({ id: "a", output: "\\boxed{4}", gold: "4" }),
    JSON.stringify({ id: 7, completion: "The answer is 5", ground_truth: 4 }),
    JSON.stringify({ solution_str: "<think>hm</think> #### 12", label: "12" }),
    "",
    JSON.stringify({ output: "(B)", gold: "B", kind: "choice", choices: ["x", "y"] }),
    JSON.stringify({
      output: "```js\nfunction add(a, b) { return a + b; }\n```",
      kind: "code",
      tests: { language: "javascript", code: "assert(add(1, 2) === 3)" },
    }),
    JSON.stringify({ output: null, gold: "3" }),
    JSON.stringify({ output: "\\boxed{4}", gold: "\\boxed{}" }),
  ];
  const out: string[] = [];
  const summary = await scoreJsonl(linesOf(lines), (line) => void out.push(line), { scorer, window: 2 });
  const rows = out.map((line) => JSON.parse(line));
  assert.deepEqual(
    rows.map((r) => [r.line, r.id, r.verdict, r.reward, r.scored]),
    [
      [1, "a", "correct", 1, true],
      [2, 7, "incorrect", 0, true],
      [3, undefined, "correct", 1, true],
      [5, undefined, "correct", 1, true],
      [6, undefined, "correct", 1, true],
      [7, undefined, "unparseable", 0, true],
      [8, undefined, "bad-gold", 0, false],
    ],
  );
  assert.deepEqual(Object.keys(rows[0]).sort(), [
    "components",
    "gold",
    "id",
    "line",
    "method",
    "ms",
    "predicted",
    "reason",
    "reward",
    "scored",
    "verdict",
  ]);
  assert.deepEqual(summary, {
    lines: 7,
    scored: 6,
    correct: 4,
    badGold: 1,
    unscored: 0,
    malformed: 0,
    meanReward: 4 / 6,
  });
  assert.equal(
    describeSummary(summary),
    "7 lines: 6 scored (4 correct, mean reward 0.667), 1 bad gold, 0 unscored, 0 malformed",
  );
});

test("scoreJsonl: a bad line is an error line naming its number and field, never a crash", async () => {
  const lines = [
    "{not json",
    JSON.stringify({ gold: "4" }),
    JSON.stringify({ output: "4" }),
    JSON.stringify({ output: 4, gold: "4" }),
    JSON.stringify({ output: "4", gold: { value: 4 } }),
    JSON.stringify({ output: "4", gold: "4", kind: "essay" }),
    JSON.stringify({ output: "x", kind: "code" }),
    JSON.stringify({ output: "x", kind: "code", tests: { language: "ruby", code: "" } }),
    JSON.stringify([1, 2]),
    JSON.stringify({ output: "\\boxed{4}", gold: "4" }),
  ];
  const out: string[] = [];
  const summary = await scoreJsonl(linesOf(lines), (line) => void out.push(line), { scorer });
  const rows = out.map((line) => JSON.parse(line));
  const errors = rows.slice(0, -1).map((r) => r.error as string);
  assert.deepEqual(
    rows.slice(0, -1).map((r) => r.line),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.match(errors[0], /^line 1: not valid JSON/);
  assert.match(errors[1], /^line 2: missing field `output` \(or `completion`, `solution_str`\)/);
  assert.match(errors[2], /^line 3: missing field `gold` \(or `ground_truth`, `label`\)/);
  assert.match(errors[3], /^line 4: field `output`: expected a string/);
  assert.match(errors[4], /^line 5: field `gold`: expected a string or a number/);
  assert.match(errors[5], /^line 6: field `kind`/);
  assert.match(errors[6], /^line 7: field `tests` is required for a code item/);
  assert.match(errors[7], /^line 8: field `tests.language`/);
  assert.match(errors[8], /^line 9: /);
  assert.equal(rows.at(-1).verdict, "correct");
  assert.equal(summary.malformed, 9);
  assert.equal(summary.lines, 10);
});
