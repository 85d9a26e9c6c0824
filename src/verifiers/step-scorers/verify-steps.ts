/**
 * Running a step scorer the checked and traced way. `runStepScorer` holds every scorer, ours or a
 * user's, to the contract (one finite score in [0, 1] per step); `verifySteps` is `verify()` for step
 * scorers: a `score` trace node around the call, holding the per-step scores and their aggregate,
 * for callers that score steps directly (tree search) rather than through `asVerifier`.
 */
import { DeliberateError, toDeliberateError } from "../../errors.ts";
import type { Problem, RunContext } from "../../run/types.ts";
import { aggregateSteps } from "./aggregate.ts";
import type { StepAggregation, StepScorer, StepScores } from "./types.ts";

/** The scorer's scores, one per step, each clamped to [0, 1] (non-finite → 0, as `verify()` does). */
export async function runStepScorer(
  scorer: StepScorer,
  problem: Problem,
  steps: string[],
  ctx: RunContext,
): Promise<StepScores> {
  const result = await scorer.scoreSteps(problem, steps, ctx);
  if (!Array.isArray(result.scores) || result.scores.length !== steps.length) {
    const got = Array.isArray(result.scores) ? result.scores.length : "no";
    throw new DeliberateError(
      "INTERNAL",
      `step scorer \`${scorer.name}\` returned ${got} scores for ${steps.length} steps`,
    );
  }
  const scores = result.scores.map((s) => (Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : 0));
  return { ...result, scores };
}

export interface VerifyStepsOptions {
  /** How the node's `value` summarises the steps. Default `last`. */
  aggregation?: StepAggregation;
  /** The scored candidate's index, for the trace. */
  candidate?: number;
}

export interface VerifiedSteps extends StepScores {
  /** The aggregate of `scores`; 0 for no steps. */
  value: number;
}

export async function verifySteps(
  scorer: StepScorer,
  problem: Problem,
  steps: string[],
  ctx: RunContext,
  options: VerifyStepsOptions = {},
): Promise<VerifiedSteps> {
  const { aggregation = "last", candidate } = options;
  const span = ctx.trace.start("score", scorer.name, { candidate }, ctx.parentId);
  try {
    const result = await runStepScorer(scorer, problem, steps, { ...ctx, parentId: span.id });
    const value = steps.length === 0 ? 0 : aggregateSteps(result.scores, aggregation);
    span.end({
      value,
      method: result.method,
      details: { ...result.data, stepScores: result.scores, aggregation },
    });
    return { ...result, value };
  } catch (error) {
    const failure = toDeliberateError(error);
    span.end({ error: failure.message, code: failure.code });
    throw failure;
  }
}
