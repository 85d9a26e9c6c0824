/**
 * How good a verifier is: ROC AUC of its scores against the labels, and what it does for answer
 * selection over the generator's samples — majority vote vs. weighted best-of-n (scores summed per
 * answer, as deliberate's `weighted-best-of-n`) vs. best-of-n (the top-scored sample).
 */
import type { LabelledSample } from "./verifier-samples.ts";

/**
 * Probability that a random positive scores above a random negative (ties count half); NaN when
 * one class is missing. Sorting makes it O(n log n).
 */
export function rocAuc(scores: number[], labels: number[]): number {
  const order = scores.map((score, i) => ({ score, label: labels[i] })).sort((a, b) => a.score - b.score);
  let positives = 0;
  let negatives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j].score === order[i].score) j++;
    // Tied scores share the mean of their 1-based ranks i+1 … j.
    const rank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) {
      if (order[t].label === 1) {
        positives++;
        rankSum += rank;
      } else negatives++;
    }
    i = j;
  }
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface SelectionResult {
  problems: number;
  /** Samples per problem (the largest group). */
  k: number;
  /** Share of samples that are correct. */
  sampleAccuracy: number;
  /** Majority vote over final answers. */
  majority: number;
  /** Verifier scores summed per final answer. */
  weighted: number;
  /** The same with `probabilities` as weights, when given. */
  weightedByProbability?: number;
  /** The single top-scored sample. */
  bestOfN: number;
  /** Some sample is correct (the ceiling of any selection). */
  passAtK: number;
}

/**
 * Accuracy of each selection rule, grouping samples by `problem`. `probabilities` are optional
 * second weights for the weighted vote: the reward model's default score is exp(mean logprob) over a
 * 29-token verdict, which squeezes P(yes) into ~[0.9, 1] and makes the weighted vote nearly a plain
 * majority; P(yes) itself (exp of the summed logprob) keeps the verifier's confidence.
 */
export function compareSelection(
  samples: LabelledSample[],
  scores: number[],
  probabilities?: number[],
): SelectionResult {
  const groups = new Map<number, number[]>();
  samples.forEach((sample, i) => {
    const group = groups.get(sample.problem) ?? [];
    group.push(i);
    groups.set(sample.problem, group);
  });
  let majority = 0;
  let weighted = 0;
  let weightedByProbability = 0;
  let bestOfN = 0;
  let passAtK = 0;
  let k = 0;
  for (const group of groups.values()) {
    k = Math.max(k, group.length);
    majority += votedLabel(samples, group, () => 1);
    weighted += votedLabel(samples, group, (i) => scores[i]);
    if (probabilities) weightedByProbability += votedLabel(samples, group, (i) => probabilities[i]);
    const best = group.reduce((a, b) => (scores[b] > scores[a] ? b : a));
    bestOfN += samples[best].label;
    passAtK += group.some((i) => samples[i].label === 1) ? 1 : 0;
  }
  const problems = groups.size;
  const share = (count: number) => (problems === 0 ? 0 : count / problems);
  return {
    problems,
    k,
    sampleAccuracy: samples.length === 0 ? 0 : samples.reduce((sum, s) => sum + s.label, 0) / samples.length,
    majority: share(majority),
    weighted: share(weighted),
    ...(probabilities ? { weightedByProbability: share(weightedByProbability) } : {}),
    bestOfN: share(bestOfN),
    passAtK: share(passAtK),
  };
}

/**
 * Label of the answer with the largest total weight; samples without a `####` answer do not vote
 * (as deliberate's voting skips answerless candidates). Ties go to the answer seen first.
 */
function votedLabel(samples: LabelledSample[], group: number[], weight: (i: number) => number): number {
  const totals = new Map<string, { weight: number; label: number }>();
  for (const i of group) {
    const key = samples[i].predicted;
    if (key === null || key === "") continue;
    const entry = totals.get(key) ?? { weight: 0, label: samples[i].label };
    entry.weight += weight(i);
    totals.set(key, entry);
  }
  let winner: { weight: number; label: number } | undefined;
  for (const entry of totals.values()) if (!winner || entry.weight > winner.weight) winner = entry;
  return winner?.label ?? 0;
}
