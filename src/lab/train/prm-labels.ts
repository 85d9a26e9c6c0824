/**
 * Step labels by Monte-Carlo rollouts (Math-Shepherd, Wang et al. 2024, arXiv:2312.08935, §3.3): a
 * step prefix of one of the policy's own solutions is as good as the policy's chance of finishing it
 * right. From each prefix s₀…sᵢ the policy writes `rollouts` completions; the prefix's soft label is
 * the share that reach the right answer (hard: whether any does). The last prefix is the whole
 * solution: its label is its own correctness, with no rollouts.
 *
 *   "4+7=11 | 11+3=15 | #### 15" (wrong at step 2), 8 rollouts each:
 *   after "4+7=11" 6 of 8 right → 0.75; after "11+3=15" 0 of 8 → 0; the solution itself → 0.
 *
 * Rollouts from a prefix already labelled for the same problem (another sample that starts alike)
 * are reused, so the policy's common openings cost their rollouts once.
 */

import { splitSteps } from "../../verifiers/step-scorers/split-steps.ts";
import type { TaskExample } from "../tasks/task-data.ts";
import { reward } from "./grpo-reward.ts";
import type { StepPolicy } from "./prm-policy.ts";
import { type LabelledSample, labelSample } from "./verifier-samples.ts";

/** The lab's step break: one step a line. */
export const STEP_BREAK = "\n";

/** A policy solution with a Monte-Carlo label per step prefix: one line of prm-samples.jsonl. */
export interface PrmSample extends LabelledSample {
  /** The solution's steps (lines, trimmed, blank ones dropped); the `#### ANSWER` line is the last. */
  steps: string[];
  /** Per prefix (`steps[0..i]`): completions that reached the right answer. */
  correct: number[];
  /** Per prefix: completions drawn (0 for the last prefix, the solution itself). */
  rollouts: number[];
  /** Per prefix: Math-Shepherd's soft label, correct / rollouts; the last is the solution's `label`. */
  values: number[];
}

export interface StepLabelOptions {
  /** Completions per prefix, ≥ 1. */
  rollouts: number;
}

/** Rollout counts per prefix text, shared by the samples of one problem. */
export type RolloutMemo = Map<string, { correct: number; rollouts: number }>;

/** Labels every step prefix of `text`, one of the policy's solutions to `example`. */
export function labelSteps(
  policy: StepPolicy,
  example: TaskExample,
  problem: number,
  text: string,
  { rollouts }: StepLabelOptions,
  memo: RolloutMemo = new Map(),
): PrmSample {
  const outcome = labelSample(problem, example.item, text);
  const steps = splitSteps(text, STEP_BREAK);
  const correct: number[] = [];
  const drawn: number[] = [];
  const values: number[] = [];
  steps.forEach((_, i) => {
    if (i === steps.length - 1) {
      correct.push(outcome.label);
      drawn.push(0);
      values.push(outcome.label);
      return;
    }
    const prefix = steps.slice(0, i + 1);
    const key = prefix.join(STEP_BREAK);
    let counts = memo.get(key);
    if (!counts) {
      const completions = policy.continueFrom(example, prefix, rollouts);
      // Graded as the outcome is: the lab's reward on the `#### ANSWER` line.
      const right = completions.filter((c) => reward(example.item, c) === 1).length;
      counts = { correct: right, rollouts: completions.length };
      memo.set(key, counts);
    }
    correct.push(counts.correct);
    drawn.push(counts.rollouts);
    values.push(counts.correct / counts.rollouts);
  });
  return { ...outcome, steps, correct, rollouts: drawn, values };
}

/** Math-Shepherd's hard label of a prefix: some completion from it reached the right answer. */
export function hardLabel(sample: PrmSample, prefix: number): number {
  return sample.correct[prefix] > 0 ? 1 : 0;
}

export interface LabelProblemsOptions extends StepLabelOptions {
  /** Solutions sampled per problem. */
  samplesPerProblem: number;
  /** After each problem (progress: problems done, of how many). */
  onProblem?: (done: number, total: number) => void;
}

/**
 * `samplesPerProblem` policy solutions to each example, every step prefix labelled; `problem` is the
 * example's index in `examples`.
 */
export function labelProblems(
  policy: StepPolicy,
  examples: TaskExample[],
  { samplesPerProblem, onProblem, ...labels }: LabelProblemsOptions,
): PrmSample[] {
  return examples.flatMap((example, problem) => {
    const memo: RolloutMemo = new Map();
    const samples = policy
      .solve(example, samplesPerProblem)
      .map((text) => labelSteps(policy, example, problem, text, labels, memo));
    onProblem?.(problem + 1, examples.length);
    return samples;
  });
}
