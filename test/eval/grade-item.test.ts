import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createItemGrader, goldAnswerKey } from "../../src/eval/grade-item.ts";
import { runEval } from "../../src/eval/runner.ts";
import { openStore } from "../../src/eval/store.ts";
import type { EvalItem } from "../../src/eval/types.ts";
import { answeringBackend, arithmeticSet } from "./helpers/scripted-eval.ts";

const grader = createItemGrader({ mode: "sync" });

const items: EvalItem[] = [
  { id: "n", question: "q", gold: "1,000", kind: "math" },
  { id: "f", question: "q", gold: "\\frac{1}{2}", kind: "math" },
  { id: "neg", question: "q", gold: "-3", kind: "math" },
  { id: "c", question: "q", gold: "B", kind: "choice", choices: ["red", "blue", "green"] },
  { id: "t", question: "q", gold: "Paris", kind: "text" },
];

const answers = [
  "The answer is \\boxed{1000}.",
  "The answer is \\boxed{1,000}.",
  "The answer is \\boxed{0.5}.",
  "The answer is \\boxed{\\frac{1}{2}}.",
  "The answer is \\boxed{1/2}.",
  "The answer is \\boxed{-3}.",
  "The answer is \\boxed{3}.",
  "The answer is (B).",
  "The answer is B",
  "The answer is C",
  "The answer is \\boxed{Paris}.",
  "The answer is \\boxed{paris}.",
  "The answer is \\boxed{Lyon}.",
  "no idea",
];

test("an answer with the gold's key is one the grader calls right (the shortcut never flips a verdict)", () => {
  let matched = 0;
  for (const item of items) {
    const gold = goldAnswerKey(item);
    assert.ok(gold, `${item.id}: the gold has a key`);
    for (const text of answers) {
      const key = grader.key(text, item);
      if (key !== gold.key) continue;
      matched++;
      const verdict = grader.grade(text, item) as ReturnType<typeof grader.grade> & { correct: boolean };
      assert.equal(verdict.correct, true, `${item.id}: ${text} has the gold's key ${gold.key}`);
    }
  }
  assert.ok(matched >= 7, `the shortcut applies to the right answers (${matched})`);
});

test("no gold key where keys do not decide: code and countdown items", () => {
  assert.equal(goldAnswerKey({ id: "x", question: "q", gold: "", kind: "code" }), null);
  assert.equal(
    goldAnswerKey({
      id: "y",
      question: "q",
      gold: "1+2",
      kind: "math",
      check: "countdown",
      meta: { numbers: [1, 2], target: 3 },
    }),
    null,
  );
});

test("pool graders take the shortcut, sync graders grade", () => {
  assert.equal(createItemGrader({ mode: "pool" }).goldKey, goldAnswerKey);
  assert.equal(createItemGrader({ mode: "sync" }).goldKey, undefined);
});

test("a run graded in the worker pool (with the shortcut) records what in-process grading does", async () => {
  const dataset = await arithmeticSet(6);
  const run = async (mode: "pool" | "sync") => {
    const result = await runEval({
      models: [{ name: "m", backend: answeringBackend(dataset) }],
      strategies: [{ name: "self-consistency", options: { samples: 4 } }],
      datasets: [dataset],
      outDir: mkdtempSync(join(tmpdir(), "deliberate-grade-pool-")),
      grader: createItemGrader({ mode }),
      progress: "none",
    });
    const store = await openStore(result.storePath);
    const records = (await store.records()).map((r) => [r.itemId, r.correct, r.key, r.samples]);
    await store.close();
    return { records, accuracy: result.results.accuracy };
  };
  const pool = await run("pool");
  const sync = await run("sync");
  assert.deepEqual(pool, sync);
  assert.ok(sync.accuracy > 0 && sync.accuracy < 1, "right and wrong answers both graded");
});
