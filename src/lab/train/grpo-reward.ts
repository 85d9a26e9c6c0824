/**
 * The GRPO reward: 1 for a correct final answer, 0 otherwise, judged by the project's grader
 * (src/grading, which reads the `#### ANSWER` line) and, for countdown, by checking the arithmetic.
 */
import type { SyntheticItem } from "../../eval/synthetic/index.ts";
import { gradeSync } from "../../grading/index.ts";
import { isCorrect } from "../tasks/task-data.ts";

export function reward(item: SyntheticItem, output: string): number {
  if (item.meta && "target" in item.meta) return isCorrect(item, output) ? 1 : 0;
  // Only outputs in the trained format count: a stray last number must not earn reward.
  if (!output.includes("####")) return 0;
  return gradeSync(output, `#### ${item.answer}`).correct ? 1 : 0;
}
