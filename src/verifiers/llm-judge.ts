/**
 * LLM-as-judge of a finished answer: "is the proposed final answer correct? Yes or No", scored as
 * P(Yes) (see `yes-no-judge.ts`).
 */
import { questionText } from "../run/prompts.ts";
import { answerText } from "../run/thinking.ts";
import type { BackendRole } from "../run/types.ts";
import type { Verifier } from "./types.ts";
import { judgeYesNo } from "./yes-no-judge.ts";

export interface LlmJudgeOptions {
  /** Backend that judges: `verifier` (default; the policy when there is none) or the policy itself. */
  role?: BackendRole;
  /** Top alternatives to request for the verdict token. Default 20 (capped by the backend). */
  topLogprobs?: number;
  /** Instruction for the judge. */
  system?: string;
  /**
   * Text the judge's reply starts with, when the backend can prefill. A thinking model's first token
   * would be `<think>`; prefilling `"<think>\n\n</think>\n\n"` makes the next token the verdict.
   * Default: none.
   */
  assistantPrefix?: string;
}

const DEFAULT_SYSTEM =
  "You are a strict grader. Check the proposed solution to the question and decide whether its final answer is correct.";
const QUESTION = "Is the proposed final answer correct? Reply with Yes or No.";

export function llmJudge(options: LlmJudgeOptions = {}): Verifier {
  const { role = "verifier", topLogprobs = 20, system = DEFAULT_SYSTEM, assistantPrefix } = options;
  return {
    name: "judge",
    score: (problem, candidate, ctx) =>
      judgeYesNo(ctx, {
        role,
        topLogprobs,
        assistantPrefix,
        candidate: candidate.index,
        messages: [
          { role: "system", content: system },
          {
            role: "user",
            content: `Question:\n${questionText(problem)}\n\nProposed solution:\n${answerText(candidate)}\n\n${QUESTION}`,
          },
        ],
      }),
  };
}
