import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../../src/lab/random.ts";
import {
  buildTaskData,
  finalAnswer,
  isCorrect,
  makeBatch,
  sampleBatch,
} from "../../../src/lab/tasks/task-data.ts";
import { CharTokenizer } from "../../../src/lab/tokenizer/char-tokenizer.ts";

test("task data: prompts are <s>question\\n, solutions end in </s>, validation questions are unseen", () => {
  const data = buildTaskData({ task: "modular", trainSize: 300, validSize: 40, contextLength: 64 });
  assert.ok(data.train.length > 250);
  assert.equal(data.valid.length, 40);
  const trainQuestions = new Set(data.train.map((e) => e.item.question));
  for (const example of data.valid) assert.ok(!trainQuestions.has(example.item.question));
  const [first] = data.train;
  assert.equal(first.prompt[0], CharTokenizer.bosId);
  assert.equal(data.tokenizer.decode(first.prompt), `${first.item.question}\n`);
  for (const solution of first.solutions) {
    assert.equal(solution.at(-1), CharTokenizer.eosId);
    assert.ok(first.prompt.length + solution.length <= 64);
  }
  assert.equal(data.tokenizer.decode(first.solutions[0]), first.item.solutions[0]);
});

test("task data: a tight context drops problems whose solutions do not fit", () => {
  const data = buildTaskData({
    task: "arithmetic",
    difficulty: 2,
    trainSize: 100,
    validSize: 10,
    contextLength: 90,
  });
  assert.ok(data.dropped > 0);
  for (const e of data.train) for (const s of e.solutions) assert.ok(e.prompt.length + s.length <= 90);
});

test("batches: targets are the next token on the solution only; padding is </s> with no target", () => {
  const rows = [
    { prompt: [1, 10, 11], solution: [12, 2] },
    { prompt: [1, 10], solution: [13, 14, 15, 2] },
  ];
  const batch = makeBatch(rows, 64);
  assert.equal(batch.T, 16);
  const row = (b: number, field: "tokens" | "targets") => [...batch[field].subarray(b * 16, b * 16 + 6)];
  assert.deepEqual(row(0, "tokens"), [1, 10, 11, 12, 2, 2]);
  assert.deepEqual(row(0, "targets"), [-1, -1, 12, 2, -1, -1]);
  assert.deepEqual(row(1, "tokens"), [1, 10, 13, 14, 15, 2]);
  assert.deepEqual(row(1, "targets"), [-1, 13, 14, 15, 2, -1]);
  assert.equal(batch.targetCount, 6);
  // Sampling draws every solution of a problem, not just the first.
  const data = buildTaskData({ task: "modular", trainSize: 50, validSize: 5, contextLength: 64 });
  const multi = data.train.filter((e) => e.solutions.length > 1).slice(0, 1);
  const seen = new Set<string>();
  const random = new Random(1);
  for (let i = 0; i < 20; i++) {
    const b = sampleBatch(multi, 1, 64, random);
    seen.add([...b.tokens].join(","));
  }
  assert.ok(seen.size > 1);
});

test("answers: the text after the last #### decides; countdown checks the arithmetic", () => {
  assert.equal(finalAnswer("3+4=7\n#### 7"), "7");
  assert.equal(finalAnswer("#### 1\n#### 12 "), "12");
  assert.equal(finalAnswer("3+4=7"), null);
  const item = { id: "x", question: "q", answer: "7", difficulty: 1, solutions: ["#### 7"] };
  assert.ok(isCorrect(item, "3+4=7\n#### 7"));
  assert.ok(!isCorrect(item, "3+4=8\n#### 8"));
  const countdown = { ...item, answer: "4+1", meta: { numbers: [1, 4], target: 5 } };
  assert.ok(isCorrect(countdown, "1+4=5\n#### 1+4"));
  assert.ok(!isCorrect(countdown, "#### 4+4-3"));
});

test("task data: fromDifficulty trains on every level up to difficulty; validation stays at the top", () => {
  const data = buildTaskData({
    task: "sums",
    difficulty: 4,
    fromDifficulty: 2,
    trainSize: 300,
    validSize: 30,
    contextLength: 128,
  });
  const levels = new Map<number, number>();
  for (const example of data.train)
    levels.set(example.item.difficulty, (levels.get(example.item.difficulty) ?? 0) + 1);
  assert.deepEqual([...levels.keys()].sort(), [2, 3, 4]);
  for (const count of levels.values()) assert.ok(count >= 95, `about a third each: ${[...levels]}`);
  assert.ok(data.valid.every((example) => example.item.difficulty === 4));
});
