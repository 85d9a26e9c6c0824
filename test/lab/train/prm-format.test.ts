import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "../../../src/lab/tokenizer/char-tokenizer.ts";
import { prmRow, prmRows, verdictTokens } from "../../../src/lab/train/prm-format.ts";
import type { PrmSample } from "../../../src/lab/train/prm-labels.ts";
import { PRM_YES, prmPrompt } from "../../../src/verifiers/step-scorers/prm-prompt.ts";

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

test("PRM prompt: every earlier step tagged Yes, the last one waiting for its verdict; no steps refused", () => {
  assert.equal(
    prmPrompt("Compute 4+7+3.", [" 4+7=11", "11+3=14 "]),
    "Question:\nCompute 4+7+3.\n\nSteps, each checked:\n4+7=11 Yes\n11+3=14 ",
  );
  // Each prefix's prompt plus its verdict begins the next one's: one pass reads them all.
  const steps = sample.steps;
  for (let i = 1; i < steps.length; i++) {
    assert.ok(
      prmPrompt(sample.question, steps.slice(0, i + 1)).startsWith(
        prmPrompt(sample.question, steps.slice(0, i)) + PRM_YES,
      ),
    );
  }
  assert.throws(() => prmPrompt("Compute 1+1.", []), /at least one step/);
});

test("PRM rows: one per solution, a decision at each step's verdict; soft targets are the values, hard ones value > 0", () => {
  const [soft] = prmRows(tokenizer, [sample]);
  const [hard] = prmRows(tokenizer, [sample], "hard");
  assert.deepEqual(
    soft.decisions.map((d) => d.target),
    [0.375, 0, 0],
  );
  assert.deepEqual(
    hard.decisions.map((d) => d.target),
    [1, 0, 0],
  );
  assert.deepEqual(
    hard.decisions.map((d) => d.value),
    [0.375, 0, 0],
  );
  assert.equal(soft.label, 0);
  assert.deepEqual(soft.tokens, [
    CharTokenizer.bosId,
    ...tokenizer.encode(prmPrompt(sample.question, sample.steps)),
    ...tokenizer.encode(PRM_YES),
  ]);
  // Decision i sits where prefix i's prompt ends, and the row holds "Yes" there.
  const { yes, no } = verdictTokens(tokenizer);
  assert.notEqual(yes[0], no[0]);
  soft.decisions.forEach((d, i) => {
    const prompt = [
      CharTokenizer.bosId,
      ...tokenizer.encode(prmPrompt(sample.question, sample.steps.slice(0, i + 1))),
    ];
    assert.equal(d.at, prompt.length);
    assert.deepEqual(soft.tokens.slice(0, d.at), prompt);
    assert.deepEqual(soft.tokens.slice(d.at, d.at + yes.length), yes);
  });
  // A solution without steps has no row; values must match the steps.
  assert.deepEqual(prmRows(tokenizer, [{ ...sample, steps: [], values: [] }]), []);
  assert.throws(() => prmRow(tokenizer, sample.question, sample.steps, [1]), /1 values for 3 steps/);
});
