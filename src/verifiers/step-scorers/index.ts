/**
 * Step scorers by name, like `verifiers` one folder up: a name, `{ name, ...options }`, or a
 * `StepScorer` object (your own PRM) passes through `stepScorerSchema` and `resolveStepScorer()`.
 * Strategies take them through their `verifier` option (`asVerifier()` aggregates the step scores).
 */
import { z } from "zod";
import { strictObject } from "../../strict-object.ts";
import { STEP_AGGREGATIONS } from "./aggregate.ts";
import { judgeSteps } from "./judge-steps.ts";
import { likelihoodPrm, likelihoodPrmShape } from "./likelihood-prm.ts";
import { poolingPrm, poolingPrmShape } from "./pooling-prm.ts";
import { rolloutValue, rolloutValueShape } from "./rollout-value.ts";
import type { StepScorer } from "./types.ts";

export { aggregateSteps, STEP_AGGREGATIONS } from "./aggregate.ts";
export { type AsVerifierOptions, asVerifier } from "./as-verifier.ts";
export { judgeSteps } from "./judge-steps.ts";
export { type LikelihoodPrmOptions, likelihoodPrm } from "./likelihood-prm.ts";
export { type PoolingPrmOptions, poolingPrm, QWEN_PRM_SYSTEM } from "./pooling-prm.ts";
export { PRM_NO, PRM_YES, prmPrompt } from "./prm-prompt.ts";
export { type RolloutValueOptions, rolloutValue } from "./rollout-value.ts";
export { splitSteps } from "./split-steps.ts";
export type { StepAggregation, StepScorer, StepScores } from "./types.ts";
export { runStepScorer, type VerifiedSteps, type VerifyStepsOptions, verifySteps } from "./verify-steps.ts";

/**
 * The named step scorers:
 * - `prm`: P(`PRM_YES`) after `prmPrompt(question, prefix)` under the `verifier` backend's `score()`
 *   (the lab's GGUF PRM), one call per step;
 * - `pooling-prm`: a vLLM pooling endpoint serving a Qwen2.5-Math-PRM-style model, one call per
 *   solution; needs `{ name: "pooling-prm", baseUrl, model }`;
 * - `step-judge`: the LLM step judge, P(Yes) to "are the steps so far correct?", one call per step;
 * - `rollout`: Monte-Carlo value, the share of k policy rollouts per prefix reaching the majority answer.
 */
export const STEP_SCORER_NAMES = ["prm", "pooling-prm", "step-judge", "rollout"] as const;
export type StepScorerName = (typeof STEP_SCORER_NAMES)[number];

/** `{ name, ...options }` for each named scorer, options checked strictly. */
export const stepScorerSpecSchema = z.discriminatedUnion("name", [
  strictObject({ name: z.literal("prm"), ...likelihoodPrmShape }, "option"),
  strictObject({ name: z.literal("pooling-prm"), ...poolingPrmShape }, "option"),
  strictObject({ name: z.literal("step-judge") }, "option"),
  strictObject({ name: z.literal("rollout"), ...rolloutValueShape }, "option"),
]);
export type StepScorerSpec = z.output<typeof stepScorerSpecSchema>;

/** A step scorer option: a name, `{ name, ...options }`, or a `StepScorer` object. */
export const stepScorerSchema = z.union([
  z.enum(STEP_SCORER_NAMES),
  stepScorerSpecSchema,
  z.custom<StepScorer>(
    (value) =>
      typeof value === "object" && value !== null && typeof (value as StepScorer).scoreSteps === "function",
    { message: "expected a step scorer name, { name, ...options }, or an object with scoreSteps()" },
  ),
]);
export type StepScorerOption = z.output<typeof stepScorerSchema>;
/** What `resolveStepScorer` takes: a parsed option, or one written in code with defaults left out. */
export type StepScorerInput = z.input<typeof stepScorerSchema>;

/** The aggregation option strategies share. */
export const aggregationSchema = z
  .enum(STEP_AGGREGATIONS)
  .describe("How a step scorer's per-step scores become one: last (default), min, product or mean.");

export interface ResolveStepScorerContext {
  /** The step break of the strategy using the scorer, for scorers that rebuild text (`rollout`). */
  stepBreak?: string;
}

export function resolveStepScorer(
  option: StepScorerInput,
  context: ResolveStepScorerContext = {},
): StepScorer {
  if (typeof option === "object" && "scoreSteps" in option) return option;
  // Options are checked again (defaults applied) by each factory, so code may leave them out.
  const spec =
    typeof option === "string" ? ({ name: option } as z.input<typeof stepScorerSpecSchema>) : option;
  switch (spec.name) {
    case "prm":
      return likelihoodPrm({ role: spec.role });
    case "pooling-prm": {
      const { name: _name, ...options } = spec;
      return poolingPrm(options);
    }
    case "step-judge":
      return judgeSteps();
    case "rollout": {
      const { name: _name, ...options } = spec;
      return rolloutValue({ ...options, stepBreak: options.stepBreak ?? context.stepBreak });
    }
    default:
      return spec satisfies never;
  }
}

/** Whether a verifier option names or is a step scorer (rather than a `Verifier`). */
export function isStepScorerOption(value: unknown): value is StepScorerOption {
  if (typeof value === "string") return (STEP_SCORER_NAMES as readonly string[]).includes(value);
  if (typeof value !== "object" || value === null) return false;
  if (typeof (value as { score?: unknown }).score === "function") return false;
  const { name, scoreSteps } = value as { name?: unknown; scoreSteps?: unknown };
  return typeof scoreSteps === "function" || (STEP_SCORER_NAMES as readonly string[]).includes(String(name));
}
