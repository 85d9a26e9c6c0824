/**
 * The step-scorer contract (process reward models, issue 18): one score in [0, 1] per step prefix of
 * a (possibly unfinished) solution, "how likely is a solution that starts like this to end right".
 * Step scorers are to partial reasoning what verifiers are to finished answers; `asVerifier()` in
 * this folder turns one into a `Verifier` by aggregating its step scores. Type-only.
 */
import type { Problem, RunContext } from "../../run/types.ts";

/** How per-step scores become one score (search-and-learn's choices). */
export type StepAggregation = "last" | "min" | "product" | "mean";

export interface StepScores {
  /** One score in [0, 1] per step, in order: `scores[i]` judges steps 0..i together. */
  scores: number[];
  /** How they were obtained (`prm-likelihood`, `pooling`, `judge`, `rollout`), kept in trace nodes. */
  method: string;
  /** Anything else worth tracing (rollout counts, raw logprobs). */
  data?: Record<string, unknown>;
}

export interface StepScorer {
  /** Short label for traces and reports: `prm`, `pooling-prm`, `step-judge`, `rollout`. */
  readonly name: string;
  /**
   * Scores each prefix of `steps` (the solution split at its step breaks, breaks removed). Model
   * calls go through `ctx` (budget, trace) like every verifier's. `steps` may be empty: no scores.
   */
  scoreSteps(problem: Problem, steps: string[], ctx: RunContext): Promise<StepScores>;
}
