/**
 * `step-judge` as a step scorer: the LLM step judge (`../step-judge.ts`, "are the steps so far
 * correct?", P(Yes) from the verdict token) asked once per prefix, all prefixes at once. The steps
 * are shown one per line, as `prmPrompt` shows them to the lab's PRM.
 */
import { stepJudge } from "../step-judge.ts";
import { concurrently } from "./concurrently.ts";
import type { StepScorer } from "./types.ts";

export function judgeSteps(): StepScorer {
  const judge = stepJudge();
  return {
    name: "step-judge",
    async scoreSteps(problem, steps, ctx) {
      const verdicts = await concurrently(steps.length, (prefix) =>
        judge.score(problem, { text: steps.slice(0, prefix + 1).join("\n"), answer: null }, ctx),
      );
      return {
        scores: verdicts.map((v) => v.score),
        method: "judge",
        // How each verdict was read (`logprobs` or `text-fallback`): a fallback is a 0/1 score.
        data: { methods: verdicts.map((v) => v.method) },
      };
    },
  };
}
