/** Verifiers by name, for options and the CLI; a `Verifier` object passes through unchanged. */
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import { codeTests } from "./code-tests.ts";
import { constraints } from "./constraints.ts";
import { llmJudge } from "./llm-judge.ts";
import { rewardModel } from "./reward-model.ts";
import { asVerifier } from "./step-scorers/as-verifier.ts";
import {
  isStepScorerOption,
  resolveStepScorer,
  STEP_SCORER_NAMES,
  type StepAggregation,
  stepScorerSchema,
} from "./step-scorers/index.ts";
import type { Verifier } from "./types.ts";

export { type CodeTestsOptions, codeTests } from "./code-tests.ts";
export { type Constraint, constraints } from "./constraints.ts";
export { type LlmJudgeOptions, llmJudge } from "./llm-judge.ts";
export { type RewardModelOptions, rewardModel } from "./reward-model.ts";
export { stepJudge } from "./step-judge.ts";
export {
  aggregateSteps,
  aggregationSchema,
  asVerifier,
  judgeSteps,
  likelihoodPrm,
  poolingPrm,
  resolveStepScorer,
  rolloutValue,
  STEP_SCORER_NAMES,
  type StepAggregation,
  type StepScorer,
  type StepScorerName,
  type StepScorerOption,
  type StepScores,
  stepScorerSchema,
  verifySteps,
} from "./step-scorers/index.ts";
export type { Verifier, VerifierScore, VerifyCandidate } from "./types.ts";
export { verify } from "./verify.ts";
export { judgeYesNo, yesProbability } from "./yes-no-judge.ts";

/** Named verifiers: each builds a verifier with its defaults. */
export const verifiers = {
  /** P(Yes) from the `verifier` backend's next-token logprobs (the policy when there is none). */
  judge: () => llmJudge(),
  /** The policy judging its own candidates. */
  "self-judge": () => llmJudge({ role: "policy" }),
  /** Likelihood of "the solution is correct" under the `verifier` backend's `score()`. */
  reward: () => rewardModel(),
  /** The problem's tests run against the candidate's code in the sandbox: 1 pass, 0 otherwise. */
  tests: () => codeTests(),
  /** Answers that exist: 1 when an answer could be extracted, else 0 (a floor for tests). */
  "has-answer": () => constraints({ "has-answer": (candidate) => candidate.answer !== null }),
} satisfies Record<string, () => Verifier>;

export type VerifierName = keyof typeof verifiers;

/**
 * A verifier option: a name from `verifiers`, a `Verifier` object, or a step scorer (a name from
 * `step-scorers/`, `{ name, ...options }`, or a `StepScorer` object) that `resolveVerifier` wraps
 * with `asVerifier` to aggregate its step scores.
 */
export const verifierSchema = z
  .union([
    z.enum(Object.keys(verifiers) as [VerifierName, ...VerifierName[]]),
    stepScorerSchema,
    z.custom<Verifier>(
      (value) =>
        typeof value === "object" && value !== null && typeof (value as Verifier).score === "function",
      { message: "expected a verifier name or an object with score()" },
    ),
  ])
  .describe(
    `Verifier: ${Object.keys(verifiers).join(", ")}, or a Verifier object; or a step scorer: ${STEP_SCORER_NAMES.join(", ")}, { name, ...options }, or a StepScorer object.`,
  );
export type VerifierOption = z.output<typeof verifierSchema>;

/** How a step scorer given as a verifier is used; neither applies to a plain verifier. */
export interface ResolveVerifierOptions {
  /** How step scores become one score. Default `last`. */
  aggregation?: StepAggregation;
  /** What separates steps in a candidate's text. Default "\n\n". */
  stepBreak?: string;
}

export function resolveVerifier(value: VerifierOption, options: ResolveVerifierOptions = {}): Verifier {
  if (isStepScorerOption(value)) return asVerifier(resolveStepScorer(value, options), options);
  if (options.aggregation !== undefined) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `option \`aggregation\` applies to step scorers (${STEP_SCORER_NAMES.join(", ")}), not to verifier \`${verifierLabel(value)}\``,
      { param: "aggregation" },
    );
  }
  return typeof value === "string" ? verifiers[value]() : value;
}

/** The verifier as traced and reported: its name, never a function. */
export function verifierLabel(value: string | { readonly name: string }): string {
  return typeof value === "string" ? value : value.name;
}
