import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "../../../src/lab/tokenizer/char-tokenizer.ts";
import { prmRows, verdictTokens } from "../../../src/lab/train/prm-format.ts";
import type { PrmSample } from "../../../src/lab/train/prm-labels.ts";
import { PRM_NO, PRM_YES, prmPrompt } from "../../../src/verifiers/step-scorers/prm-prompt.ts";

const tokenizer = new CharTokenizer("0123456789+=#Compute. \n");
const sample: PrmSample = {
  problem: 0,
  question: "Compute 4+7+3.",
  answer: "14",
  text: "4+7=11\n11+3=15\n#### 15",
  predicted: "15",
  label: 0,
  steps: ["4+7=11", "11+3=15", "#### 15"],
  correct: [3, 0, 0],
  rollouts: [8, 8, 0],
  values: [0.375, 0, 0],
};

test("PRM rows: one per step prefix, the PRM prompt after <s>; soft targets are the values, hard ones value > 0", () => {
  const soft = prmRows(tokenizer, [sample]);
  const hard = prmRows(tokenizer, [sample], "hard");
  assert.deepEqual(
    soft.map((r) => r.value),
    [0.375, 0, 0],
  );
  assert.deepEqual(
    hard.map((r) => r.value),
    [1, 0, 0],
  );
  assert.deepEqual(soft[1].prompt, [
    CharTokenizer.bosId,
    ...tokenizer.encode(prmPrompt(sample.question, ["4+7=11", "11+3=15"])),
  ]);
  // The spelled-out verdict follows the target: a live but risky prefix reads "No" soft, "Yes" hard.
  assert.deepEqual(soft[0].verdict, tokenizer.encode(PRM_NO));
  assert.deepEqual(hard[0].verdict, tokenizer.encode(PRM_YES));
  const { yes, no } = verdictTokens(tokenizer);
  assert.notEqual(yes[0], no[0]);
});
