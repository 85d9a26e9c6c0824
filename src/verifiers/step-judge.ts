/**
 * A process-reward judge for partial reasoning (PRM-style, Lightman et al., 2023, arXiv:2305.20050):
 * "are the steps so far correct?", scored as P(Yes) (see `yes-no-judge.ts`) by the `verifier`
 * backend (the policy when there is none). Step search scores unfinished traces with it, where an
 * outcome judge ("is the final answer correct?") has no answer to look at yet.
 */
import { questionText } from "../run/prompts.ts";
import type { Verifier } from "./types.ts";
import { judgeYesNo } from "./yes-no-judge.ts";

const SYSTEM =
  "You are a strict grader of step-by-step solutions. The solution may be unfinished; judge only the steps written so far.";
const QUESTION = "Are all the steps so far correct and useful? Reply with Yes or No.";
/** Alternatives requested for the verdict token (capped by the backend). */
const TOP_LOGPROBS = 20;

export function stepJudge(): Verifier {
  return {
    name: "step-judge",
    score: (problem, candidate, ctx) =>
      judgeYesNo(ctx, {
        role: "verifier",
        topLogprobs: TOP_LOGPROBS,
        candidate: candidate.index,
        messages: [
          { role: "system", content: SYSTEM },
          {
            role: "user",
            content: `Question:\n${questionText(problem)}\n\nSolution so far:\n${candidate.text}\n\n${QUESTION}`,
          },
        ],
      }),
  };
}
