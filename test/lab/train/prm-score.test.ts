import assert from "node:assert/strict";
import { test } from "node:test";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { CharTokenizer } from "../../../src/lab/tokenizer/char-tokenizer.ts";
import { tokenLogprob } from "../../../src/lab/train/dpo-objective.ts";
import { verdictTokens } from "../../../src/lab/train/prm-format.ts";
import { PrmScorer } from "../../../src/lab/train/prm-score.ts";
import { PRM_YES, prmPrompt } from "../../../src/verifiers/step-scorers/prm-prompt.ts";

const tokenizer = CharTokenizer.fromTexts(["Question:Steps, each checked Yes No 0123456789+=#Compute."]);
const question = "Compute 4+7+3.";
const model = new LlamaModel(
  {
    vocabSize: tokenizer.vocabSize,
    dim: 16,
    layers: 2,
    heads: 2,
    ffnDim: 24,
    contextLength: 72,
    ropeTheta: 10_000,
    normEps: 1e-5,
  },
  { seed: 3 },
);

/** log P(PRM_YES) after prmPrompt(question, steps), from one full forward pass. */
function forwardLogprob(steps: string[]): number {
  const prompt = [CharTokenizer.bosId, ...tokenizer.encode(prmPrompt(question, steps))];
  const yes = tokenizer.encode(PRM_YES);
  const ids = [...prompt, ...yes];
  model.forward(new Int32Array(ids), new Int32Array(ids.length).fill(-1), 1, ids.length);
  const V = model.config.vocabSize;
  return yes.reduce((sum, token, j) => {
    const p = prompt.length - 1 + j;
    return sum + tokenLogprob(model.logits.subarray(p * V, (p + 1) * V), token);
  }, 0);
}

test("PRM scorer: one pass reads each prefix's P(Yes) as its own forward pass does; verdicts past the context score 0", () => {
  const steps = ["4+7=11", "11+3=14", "#### 14", "#### 14"];
  // A context of 72 holds the first two verdicts (rows of 58 and 70 tokens up to "Yes"), not the others.
  const ends = steps.map(
    (_, i) => 1 + tokenizer.encode(prmPrompt(question, steps.slice(0, i + 1))).length + 3,
  );
  assert.deepEqual(
    ends.map((end) => end <= 72),
    [true, true, false, false],
    String(ends),
  );
  const scorer = new PrmScorer(model, tokenizer, verdictTokens(tokenizer));
  // A first solution to the same question fills the cache the second one starts from.
  scorer.scoreSteps(question, ["4+3=7", "7+7=14"]);
  const scores = scorer.scoreSteps(question, steps);
  for (const i of [0, 1]) {
    const expected = Math.exp(forwardLogprob(steps.slice(0, i + 1)));
    assert.ok(
      Math.abs(scores[i].score - expected) <= 1e-5 * expected,
      `prefix ${i}: ${scores[i].score} vs ${expected}`,
    );
    assert.ok(Number.isFinite(scores[i].yesFirst) && Number.isFinite(scores[i].noFirst));
  }
  for (const i of [2, 3])
    assert.deepEqual(scores[i], { score: 0, yesFirst: Number.NaN, noFirst: Number.NaN });
  // A fresh scorer reads the same numbers: the cache changes nothing.
  const fresh = new PrmScorer(model, tokenizer, verdictTokens(tokenizer)).scoreSteps(question, steps);
  assert.deepEqual(
    fresh.map((s) => s.score),
    scores.map((s) => s.score),
  );
  assert.deepEqual(scorer.scoreSteps(question, []), []);
});
