/**
 * A step scorer as a `Verifier`: the candidate's text cut into steps at the step break, every prefix
 * scored, the scores aggregated into one (search-and-learn's PRM-weighted best-of-N and step search).
 * So `weighted-best-of-n`, `beam` and `dvts` take `verifier: "prm"` with `aggregation: "min"`. The
 * per-step scores and the aggregation go into the `score` trace node's details via `verify()`.
 */
import type { Verifier } from "../types.ts";
import { aggregateSteps } from "./aggregate.ts";
import { splitSteps } from "./split-steps.ts";
import type { StepAggregation, StepScorer } from "./types.ts";
import { runStepScorer } from "./verify-steps.ts";

export interface AsVerifierOptions {
  /** How step scores become the candidate's score. Default `last` (search-and-learn's default). */
  aggregation?: StepAggregation;
  /** What separates steps in a candidate's text: "\n" for the builtin tiny models. Default "\n\n". */
  stepBreak?: string;
}

export function asVerifier(scorer: StepScorer, options: AsVerifierOptions = {}): Verifier {
  const { aggregation = "last", stepBreak = "\n\n" } = options;
  return {
    name: scorer.name,
    async score(problem, candidate, ctx) {
      const steps = splitSteps(candidate.text, stepBreak);
      // Nothing written is no evidence of being right; the scorer is not asked.
      if (steps.length === 0) return { score: 0, method: "no-steps", data: { stepScores: [], aggregation } };
      const result = await runStepScorer(scorer, problem, steps, ctx);
      return {
        score: aggregateSteps(result.scores, aggregation),
        method: result.method,
        data: { ...result.data, stepScores: result.scores, aggregation },
      };
    },
  };
}
