import assert from "node:assert/strict";
import { test } from "node:test";
import { compareSelection, rocAuc } from "../../src/lab/train/verifier-metrics.ts";
import type { LabelledSample } from "../../src/lab/train/verifier-samples.ts";

test("rocAuc: perfect, reversed, tied and a hand-counted ranking", () => {
  assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
  assert.equal(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0);
  assert.equal(rocAuc([0.5, 0.5, 0.5], [1, 0, 1]), 0.5);
  // Pairs (positive, negative): (0.7,0.3)✓ (0.7,0.8)✗ (0.4,0.3)✓ (0.4,0.8)✗ → 2/4.
  assert.equal(rocAuc([0.7, 0.3, 0.4, 0.8], [1, 0, 1, 0]), 0.5);
  // (0.6 vs 0.6) is a tie: (0.9,0.6)✓ (0.9,0.2)✓ (0.6,0.6)½ (0.6,0.2)✓ → 3.5/4.
  assert.equal(rocAuc([0.9, 0.6, 0.6, 0.2], [1, 1, 0, 0]), 0.875);
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [1, 1])));
});

function sample(problem: number, predicted: string | null, label: number): LabelledSample {
  return { problem, question: `q${problem}`, answer: "?", text: `#### ${predicted}`, predicted, label };
}

test("compareSelection: weighted voting overturns a wrong majority that the verifier distrusts", () => {
  const samples = [
    // Problem 0: majority says 5 (wrong), the verifier likes the two 7s.
    sample(0, "5", 0),
    sample(0, "5", 0),
    sample(0, "5", 0),
    sample(0, "7", 1),
    sample(0, "7", 1),
    // Problem 1: majority right; no answer does not vote.
    sample(1, "2", 1),
    sample(1, "2", 1),
    sample(1, null, 0),
    sample(1, "3", 0),
    sample(1, "3", 0),
  ];
  const scores = [0.1, 0.1, 0.1, 0.9, 0.8, 0.6, 0.5, 0.99, 0.2, 0.3];
  const result = compareSelection(samples, scores);
  assert.equal(result.problems, 2);
  assert.equal(result.k, 5);
  assert.equal(result.sampleAccuracy, 0.4);
  assert.equal(result.majority, 0.5);
  assert.equal(result.weighted, 1);
  // Best-of-n picks the answerless 0.99 sample on problem 1.
  assert.equal(result.bestOfN, 0.5);
  assert.equal(result.passAtK, 1);
});

test("compareSelection: probability weights can overturn a majority that near-uniform scores cannot", () => {
  const samples = [sample(0, "5", 0), sample(0, "5", 0), sample(0, "7", 1)];
  // exp(mean logprob) over a long verdict: all close to 1, so the two 5s win.
  const scores = [0.95, 0.95, 0.99];
  // P(yes): the verifier is sure about the 7.
  const probabilities = [0.2, 0.2, 0.9];
  const result = compareSelection(samples, scores, probabilities);
  assert.equal(result.weighted, 0);
  assert.equal(result.weightedByProbability, 1);
  assert.equal(compareSelection(samples, scores).weightedByProbability, undefined);
});
