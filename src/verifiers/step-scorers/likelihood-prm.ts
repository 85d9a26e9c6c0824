/**
 * `prm`: a process reward model read through `score()`, the way the lab's PRM is trained
 * (`deliberate train --stage prm`, issue 18): for each prefix of the steps, the likelihood of
 * `PRM_YES` after `prmPrompt(question, prefix)` is P(a solution starting like this ends right).
 * Any backend that scores continuations works (our GGUF PRM on llama.cpp, an OpenAI-compatible
 * server with echo logprobs); one scoring call per step, all steps at once.
 */
import { z } from "zod";
import { DeliberateError } from "../../errors.ts";
import { scoreModel } from "../../run/call-model.ts";
import { questionText } from "../../run/prompts.ts";
import type { BackendRole } from "../../run/types.ts";
import { concurrently } from "./concurrently.ts";
import { PRM_YES, prmPrompt } from "./prm-prompt.ts";
import type { StepScorer } from "./types.ts";

/** The `prm` registry entry's options. */
export const likelihoodPrmShape = {
  role: z
    .enum(["verifier", "policy", "large"])
    .default("verifier")
    .describe("Backend that scores: `verifier` (default; the policy when the context has none)."),
};

export interface LikelihoodPrmOptions {
  /** Backend that scores: `verifier` (default; the policy when the context has none). */
  role?: BackendRole;
}

export function likelihoodPrm(options: LikelihoodPrmOptions = {}): StepScorer {
  const { role = "verifier" } = options;
  return {
    name: "prm",
    async scoreSteps(problem, steps, ctx) {
      const useRole = ctx.backends[role] ? role : "policy";
      const question = questionText(problem);
      const logprobs = await concurrently(steps.length, async (prefix) => {
        const result = await scoreModel(ctx, {
          role: useRole,
          // A raw text prompt, as the lab trains it: no chat template between prompt and verdict.
          request: { prompt: prmPrompt(question, steps.slice(0, prefix + 1)), continuation: PRM_YES },
          tags: { step: prefix },
        });
        if (result.tokens.length === 0) {
          throw new DeliberateError(
            "UPSTREAM",
            `backend \`${result.backend}\` scored no tokens of the continuation \`${PRM_YES}\``,
          );
        }
        return result.logprob;
      });
      // The whole verdict's likelihood: a char-level PRM spells "Yes" in three tokens, and the
      // ones after the first are near-certain once it is there.
      return { scores: logprobs.map(Math.exp), method: "prm-likelihood", data: { logprobs } };
    },
  };
}
