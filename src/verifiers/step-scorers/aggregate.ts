/**
 * How a solution's per-step scores become one score (search-and-learn's `agg_strategy` choices):
 * `last` trusts the PRM's judgement of the whole prefix, `min` says a chain is as good as its worst
 * step, `product` treats steps as independent chances of staying right, `mean` smooths one bad step.
 *
 *   [0.9, 0.5, 0.8] → last 0.8, min 0.5, product 0.36, mean 0.7333…
 */
import { DeliberateError } from "../../errors.ts";
import type { StepAggregation } from "./types.ts";

/** Every aggregation, in the order options list them. */
export const STEP_AGGREGATIONS = [
  "last",
  "min",
  "product",
  "mean",
] as const satisfies readonly StepAggregation[];

/**
 * One score from a solution's step scores. An empty list is an error, not a neutral value: the
 * product of nothing is 1 and the minimum of nothing is +∞, so a solution without steps would
 * outrank every real one. Callers decide what no steps is worth (`asVerifier` scores it 0).
 */
export function aggregateSteps(scores: readonly number[], how: StepAggregation): number {
  if (scores.length === 0) {
    throw new DeliberateError("BAD_REQUEST", `cannot aggregate (\`${how}\`) the scores of zero steps`, {
      param: "aggregation",
    });
  }
  switch (how) {
    case "last":
      return scores[scores.length - 1];
    case "min":
      return Math.min(...scores);
    case "product":
      return scores.reduce((product, score) => product * score, 1);
    case "mean":
      return scores.reduce((sum, score) => sum + score, 0) / scores.length;
    default:
      return how satisfies never;
  }
}
