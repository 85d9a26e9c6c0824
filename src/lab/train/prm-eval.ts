/**
 * How good the PRM is on held-out solutions of the policy:
 *
 * - step level: ROC AUC of the PRM's score of each prefix against Math-Shepherd's hard label — some
 *   rollout from the prefix reached the right answer (value > 0): is the path still alive? — and
 *   against value > ½, which also asks whether the policy will likely finish it (a prefix that is
 *   right so far but which the policy usually spoils is a 0 there, so a perfect step checker does not
 *   score 1 on it);
 * - outcome level: ROC AUC of the solution's step scores aggregated (`min`, `last`) against whether
 *   the solution is right — the number to hold beside an outcome verifier's AUC;
 * - selection: majority vote vs. PRM-weighted best-of-n (scores summed per answer) vs. best-of-n over
 *   each problem's samples (verifier-metrics.ts), with each aggregation.
 */
import { aggregateSteps } from "../../verifiers/step-scorers/aggregate.ts";
import type { StepAggregation } from "../../verifiers/step-scorers/types.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import type { VerdictTokens } from "./prm-format.ts";
import type { PrmSample } from "./prm-labels.ts";
import { binaryEntropy } from "./prm-objective.ts";
import { type PrefixScore, PrmScorer } from "./prm-score.ts";
import { compareSelection, rocAuc, type SelectionResult } from "./verifier-metrics.ts";

/** The aggregations the report compares (search-and-learn's PRM defaults: last and min). */
export const REPORTED_AGGREGATIONS = ["min", "last"] as const satisfies readonly StepAggregation[];
export type ReportedAggregation = (typeof REPORTED_AGGREGATIONS)[number];

export interface PrmEval {
  /** Step prefixes scored. */
  prefixes: number;
  /** Share of them whose Monte-Carlo value is above ½. */
  goodPrefixes: number;
  /** ROC AUC of the prefix score against value > ½. */
  stepAuc: number;
  /** Share of prefixes with value > 0 (Math-Shepherd's hard label), and the AUC against it. */
  alivePrefixes: number;
  stepAucHard: number;
  /** Mean soft-target loss of the first verdict token (nats), and its excess over the targets' entropy. */
  decisionLoss: number;
  decisionKl: number;
  /** Solutions scored, and the share that is right. */
  solutions: number;
  correctSolutions: number;
  /** ROC AUC of the aggregated solution score against the solution's correctness. */
  outcomeAuc: Record<ReportedAggregation, number>;
}

export interface PrmSolutionScores {
  /** Per sample, the score of each of its prefixes (what the `prm` step scorer would return). */
  steps: number[][];
  /** Per aggregation, one score per sample; a sample without steps scores 0 (as `asVerifier` does). */
  aggregated: Record<ReportedAggregation, number[]>;
}

/** Scores every prefix of `samples` with `model` and measures the PRM on them. */
export function evaluatePrm(
  model: LlamaModel,
  tokenizer: CharTokenizer,
  verdicts: VerdictTokens,
  samples: PrmSample[],
): { eval: PrmEval; scores: PrmSolutionScores } {
  const scorer = new PrmScorer(model, tokenizer, verdicts);
  const scored = samples.map((sample) => scorer.scoreSteps(sample.question, sample.steps));
  return measurePrm(samples, scored);
}

/**
 * The measures from given prefix scores (`scored[s][i]` for prefix i of sample s). A prefix whose
 * decision log-probs are NaN (it did not fit the context) counts in the AUCs with its score, not in
 * the decision loss.
 */
export function measurePrm(
  samples: PrmSample[],
  scored: Array<Array<Pick<PrefixScore, "score" | "yesFirst" | "noFirst">>>,
): { eval: PrmEval; scores: PrmSolutionScores } {
  const prefixScores: number[] = [];
  const prefixLabels: number[] = [];
  const hardLabels: number[] = [];
  let decisionLoss = 0;
  let decisionKl = 0;
  let decided = 0;
  const steps = samples.map((sample, s) =>
    scored[s].map((prefix, i) => {
      const value = sample.values[i];
      prefixScores.push(prefix.score);
      prefixLabels.push(value > 0.5 ? 1 : 0);
      hardLabels.push(value > 0 ? 1 : 0);
      if (Number.isFinite(prefix.yesFirst) && Number.isFinite(prefix.noFirst)) {
        // The soft-target loss of prm-objective.ts, from the two log-probs.
        const loss =
          -(value > 0 ? value * prefix.yesFirst : 0) - (value < 1 ? (1 - value) * prefix.noFirst : 0);
        decisionLoss += loss;
        decisionKl += loss - binaryEntropy(value);
        decided++;
      }
      return prefix.score;
    }),
  );
  const aggregate = (how: ReportedAggregation) =>
    steps.map((s) => (s.length === 0 ? 0 : aggregateSteps(s, how)));
  const aggregated = { min: aggregate("min"), last: aggregate("last") };
  const labels = samples.map((s) => s.label);
  const share = (count: number, of: number) => (of === 0 ? 0 : count / of);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    eval: {
      prefixes: prefixScores.length,
      goodPrefixes: share(sum(prefixLabels), prefixLabels.length),
      stepAuc: rocAuc(prefixScores, prefixLabels),
      alivePrefixes: share(sum(hardLabels), hardLabels.length),
      stepAucHard: rocAuc(prefixScores, hardLabels),
      decisionLoss: share(decisionLoss, decided),
      decisionKl: share(decisionKl, decided),
      solutions: samples.length,
      correctSolutions: share(sum(labels), samples.length),
      outcomeAuc: { min: rocAuc(aggregated.min, labels), last: rocAuc(aggregated.last, labels) },
    },
    scores: { steps, aggregated },
  };
}

/** Majority vote vs. PRM-weighted best-of-n vs. best-of-n, per aggregation. */
export function prmSelection(
  samples: PrmSample[],
  scores: PrmSolutionScores,
): Record<ReportedAggregation, SelectionResult> {
  return {
    min: compareSelection(samples, scores.aggregated.min),
    last: compareSelection(samples, scores.aggregated.last),
  };
}
