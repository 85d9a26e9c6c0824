/**
 * The most model work one `mcts` run can ask for (see `work.ts`), from its parsed options:
 * - steps: every simulation expands one leaf with `expansions` samples of `stepTokens`, or of
 *   `maxTokens` when the leaf sits just above the maximum depth. Without rollouts the tree grows one
 *   level per simulation at most, so simulation s (from 0) samples a final step only once
 *   s >= maxDepth - 1; rollouts can reach any depth from the second simulation on.
 * - values: each new child is valued once: a rollout (one completion of `maxTokens`) or a step
 *   scorer over at most `maxDepth` steps.
 * - finishing: when nothing finished, the policy finishes the most visited path once (one
 *   completion of `maxTokens`), and a step scorer values it like a child.
 * - mutual verification: one discriminator completion of `maxTokens` per checked path.
 */
import type { StepScorerOption } from "../verifiers/step-scorers/index.ts";
import { rolloutValueOptions } from "../verifiers/step-scorers/rollout-value.ts";
import { MUTUAL_DEFAULTS } from "./mcts-verify.ts";
import { addWork, completions, NO_WORK, scaleWork, VERIFY, type Work } from "./work.ts";

export interface MctsWorkOptions {
  simulations: number;
  expansions: number;
  maxDepth: number;
  stepTokens: number;
  maxTokens: number;
  value: "simulation" | StepScorerOption;
  mutualVerification: boolean;
  verifyTop?: number;
}

export function mctsWork(o: MctsWorkOptions): Work {
  const rollouts = o.value === "simulation";
  const early = Math.min(o.simulations, rollouts ? 1 : o.maxDepth - 1, o.maxDepth - 1);
  const steps = addWork(
    completions(o.expansions * early, o.stepTokens),
    completions(o.expansions * (o.simulations - early), Math.max(o.stepTokens, o.maxTokens)),
  );
  const value = rollouts
    ? completions(1, o.maxTokens)
    : stepScorerWork(o.value as StepScorerOption, o.maxDepth);
  // A finished path needs no rollout to be valued; a step scorer scores it like a child.
  const finish = addWork(completions(1, o.maxTokens), rollouts ? NO_WORK : value);
  const mutual = o.mutualVerification
    ? completions(o.verifyTop ?? MUTUAL_DEFAULTS.top, o.maxTokens)
    : NO_WORK;
  return addWork(steps, scaleWork(o.simulations * o.expansions, value), finish, mutual);
}

/**
 * One step scorer's work on `steps` steps: `rollout` samples k completions per prefix; `prm`,
 * `step-judge` and `pooling-prm` make at most one one-token call (or scoring pass) per prefix, and
 * a scorer object of your own is counted the same way (its calls are its own to bound).
 */
export function stepScorerWork(option: StepScorerOption, steps: number): Work {
  const name = typeof option === "string" ? option : "name" in option ? option.name : undefined;
  if (name === "rollout" && (typeof option === "string" || !("scoreSteps" in option))) {
    const { name: _name, ...given } = typeof option === "string" ? { name } : option;
    const { rollouts, maxTokens } = rolloutValueOptions.parse(given);
    return scaleWork(steps, completions(rollouts, maxTokens));
  }
  return scaleWork(steps, VERIFY);
}
