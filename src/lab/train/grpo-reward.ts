/**
 * Rewards from the graders: 1 for a correct final answer, 0 otherwise, judged by the project's grader
 * (src/grading, which reads the `#### ANSWER` line) and, for countdown, by checking the arithmetic.
 * GRPO adds a small format term on top.
 */

import { gradeSync } from "../../grading/index.ts";
import type { SyntheticItem } from "../../tasks/index.ts";
import { isCorrect } from "../tasks/task-data.ts";

export function reward(item: SyntheticItem, output: string): number {
  if (item.meta && "target" in item.meta) return isCorrect(item, output) ? 1 : 0;
  // Only outputs in the trained format count: a stray last number must not earn reward.
  if (!output.includes("####")) return 0;
  return gradeSync(output, `#### ${item.answer}`).correct ? 1 : 0;
}

/** What a wrong answer in the trained format (a last line `#### ANSWER`) earns in GRPO. */
export const FORMAT_REWARD = 0.1;

/**
 * GRPO's reward: correctness, or `FORMAT_REWARD` for a wrong answer on a well-formed `#### ` line,
 * so a group with no correct member still prefers chains that end in an answer.
 */
export function grpoReward(item: SyntheticItem, output: string): number {
  if (reward(item, output) === 1) return 1;
  const last = output.trimEnd().split("\n").at(-1) ?? "";
  return /^#### \S/.test(last) ? FORMAT_REWARD : 0;
}
