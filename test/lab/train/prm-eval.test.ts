import assert from "node:assert/strict";
import { test } from "node:test";
import { measurePrm, prmSelection } from "../../../src/lab/train/prm-eval.ts";
import type { PrmSample } from "../../../src/lab/train/prm-labels.ts";

/** A labelled sample with only what the measures read. */
function sample(problem: number, predicted: string, label: number, values: number[]): PrmSample {
  const steps = values.map((_, i) => `step ${i}`);
  return {
    problem,
    question: `q${problem}`,
    answer: "21",
    text: steps.join("\n"),
    predicted,
    label,
    steps,
    correct: values,
    rollouts: values.map(() => 1),
    values,
  };
}

const samples = [
  sample(0, "21", 1, [0.75, 1, 1]),
  sample(0, "22", 0, [0.75, 0, 0]),
  sample(0, "21", 1, [0.25, 0.875, 1]),
  sample(1, "7", 0, [0.5, 0]),
];
const scores = [
  [0.8, 0.9, 0.95],
  [0.7, 0.3, 0.2],
  [0.4, 0.05, 0.85],
  [0.5, 0.1],
];
const noDecision = { yesFirst: Number.NaN, noFirst: Number.NaN };

test("PRM measures: step AUC against value > ½, outcome AUC of min and last, by hand", () => {
  const scored = scores.map((s) => s.map((score) => ({ score, ...noDecision })));
  // One prefix with its decision: v = 0.75, p(yes) = 0.5, p(no) = 0.25 (prm-objective's worked case).
  scored[0][0] = { score: 0.8, yesFirst: Math.log(0.5), noFirst: Math.log(0.25) };
  const { eval: e, scores: out } = measurePrm(samples, scored);
  // Good prefixes (value > ½; 0.5 itself is not): 0.8 0.9 0.95 | 0.7 | 0.05 0.85 → 6 of 11.
  // Bad: 0.3 0.2 | 0.4 | 0.5 0.1. Pairs a good one wins: 5+5+5+5+0+5 = 25 of 30.
  assert.equal(e.prefixes, 11);
  assert.ok(Math.abs(e.goodPrefixes - 6 / 11) < 1e-12);
  assert.ok(Math.abs(e.stepAuc - 25 / 30) < 1e-12, `step AUC ${e.stepAuc}`);
  // Math-Shepherd's hard label, value > 0: alive 0.8 0.9 0.95 | 0.7 | 0.4 0.05 0.85 | 0.5 → 8 of 11;
  // dead 0.3 0.2 | 0.1. Pairs an alive one wins: 0.8 0.9 0.95 0.7 0.4 0.5 beat all 3, 0.85 too,
  // 0.05 none → 7 × 3 = 21 of 24.
  assert.ok(Math.abs(e.alivePrefixes - 8 / 11) < 1e-12);
  assert.ok(Math.abs(e.stepAucHard - 21 / 24) < 1e-12, `hard step AUC ${e.stepAucHard}`);
  // min per solution: 0.8 (right), 0.2, 0.05 (right), 0.1 → right ones beat wrong ones in 2 of 4 pairs.
  assert.deepEqual(out.aggregated.min, [0.8, 0.2, 0.05, 0.1]);
  assert.equal(e.outcomeAuc.min, 0.5);
  // last: 0.95 (right), 0.2, 0.85 (right), 0.1 → every pair.
  assert.deepEqual(out.aggregated.last, [0.95, 0.2, 0.85, 0.1]);
  assert.equal(e.outcomeAuc.last, 1);
  assert.equal(e.solutions, 4);
  assert.equal(e.correctSolutions, 0.5);
  // Only the one prefix with finite log-probs counts in the decision loss.
  assert.ok(Math.abs(e.decisionLoss - 0.866434) < 1e-5, `decision loss ${e.decisionLoss}`);
  assert.ok(Math.abs(e.decisionKl - 0.304099) < 1e-5, `KL ${e.decisionKl}`);
  assert.deepEqual(out.steps, scores);
});

test("PRM measures: a solution without steps scores 0 in every aggregation; one class missing is NaN", () => {
  const empty = sample(2, "", 0, []);
  const { eval: e, scores: out } = measurePrm(
    [samples[0], empty],
    [[0.8, 0.9, 0.95].map((score) => ({ score, ...noDecision })), []],
  );
  assert.deepEqual(out.aggregated.min, [0.8, 0]);
  assert.deepEqual(out.aggregated.last, [0.95, 0]);
  assert.equal(e.outcomeAuc.last, 1);
  // Every prefix of the one solution with steps is good: no bad prefix to rank against.
  assert.ok(Number.isNaN(e.stepAuc));
  assert.equal(e.decisionLoss, 0);
});

test("PRM selection: majority vote and PRM-weighted votes per problem, with min and with last", () => {
  const scored = scores.map((s) => s.map((score) => ({ score, ...noDecision })));
  const selection = prmSelection(samples, measurePrm(samples, scored).scores);
  // Problem 0: "21" twice (right), "22" once; problem 1: "7" (wrong) alone.
  assert.equal(selection.min.problems, 2);
  assert.equal(selection.min.majority, 0.5);
  // Weighted by min: "21" 0.8 + 0.05 vs "22" 0.2 → right; best-of-n by min: sample 0 (0.8) → right.
  assert.equal(selection.min.weighted, 0.5);
  assert.equal(selection.min.bestOfN, 0.5);
  // By last: "21" 0.95 + 0.85 → right.
  assert.equal(selection.last.weighted, 0.5);
  assert.equal(selection.last.passAtK, 0.5);
  // Where the aggregations disagree: last picks the wrong "22" when its last step scores highest.
  const flipped = scored.map((s) => s.slice());
  flipped[1][2] = { score: 0.99, ...noDecision };
  flipped[0][2] = { score: 0.1, ...noDecision };
  flipped[2][2] = { score: 0.1, ...noDecision };
  const other = prmSelection(samples, measurePrm(samples, flipped).scores);
  assert.equal(other.last.bestOfN, 0);
  assert.equal(other.last.weighted, 0);
  assert.equal(other.min.bestOfN, 0);
});
