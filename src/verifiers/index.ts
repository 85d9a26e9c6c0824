/** Verifiers by name, for options and the CLI; a `Verifier` object passes through unchanged. */
import { z } from "zod";
import { codeTests } from "./code-tests.ts";
import { constraints } from "./constraints.ts";
import { llmJudge } from "./llm-judge.ts";
import { rewardModel } from "./reward-model.ts";
import type { Verifier } from "./types.ts";

export { type CodeTestsOptions, codeTests } from "./code-tests.ts";
export { type Constraint, constraints } from "./constraints.ts";
export { type LlmJudgeOptions, llmJudge } from "./llm-judge.ts";
export { type RewardModelOptions, rewardModel } from "./reward-model.ts";
export { stepJudge } from "./step-judge.ts";
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

/** A verifier option: a name from `verifiers` or a `Verifier` object. */
export const verifierSchema = z
  .union([
    z.enum(Object.keys(verifiers) as [VerifierName, ...VerifierName[]]),
    z.custom<Verifier>(
      (value) =>
        typeof value === "object" && value !== null && typeof (value as Verifier).score === "function",
      { message: "expected a verifier name or an object with score()" },
    ),
  ])
  .describe(`Verifier: ${Object.keys(verifiers).join(", ")}, or a Verifier object.`);

export function resolveVerifier(value: VerifierName | Verifier): Verifier {
  return typeof value === "string" ? verifiers[value]() : value;
}

/** The verifier as traced and reported: its name, never a function. */
export function verifierLabel(value: string | Verifier): string {
  return typeof value === "string" ? value : value.name;
}
