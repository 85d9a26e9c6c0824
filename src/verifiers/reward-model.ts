/**
 * Reward from a model's likelihood: how probable the model finds the continuation "Yes, the solution is
 * correct." after the question and the candidate, through `backend.score()` (teacher forcing, no
 * sampling). `mean` = exp(mean token logprob), `last` = probability of the last token (the verdict
 * word carries the signal, the rest is boilerplate).
 */
import { DeliberateError } from "../errors.ts";
import { scoreModel } from "../run/call-model.ts";
import { questionText } from "../run/prompts.ts";
import { answerText } from "../run/thinking.ts";
import type { BackendRole } from "../run/types.ts";
import type { Verifier } from "./types.ts";

export interface RewardModelOptions {
  /** Backend that scores: `verifier` (default; falls back to `policy` when absent). */
  role?: BackendRole;
  /** The continuation whose likelihood is the reward. */
  continuation?: string;
  /** How token logprobs become one score. Default `mean`. */
  reduce?: "mean" | "last";
}

const DEFAULT_CONTINUATION = "Yes, the solution is correct.";

export function rewardModel(options: RewardModelOptions = {}): Verifier {
  const { role = "verifier", continuation = DEFAULT_CONTINUATION, reduce = "mean" } = options;
  return {
    name: "reward",
    async score(problem, candidate, ctx) {
      const useRole = ctx.backends[role] ? role : "policy";
      const result = await scoreModel(ctx, {
        role: useRole,
        request: {
          // A raw text prompt, not chat messages: OpenAI-compatible servers can only score rendered
          // text (the chat template lives on the server), and a likelihood needs no template.
          prompt: `Question:\n${questionText(problem)}\n\nProposed solution:\n${answerText(candidate)}\n\nIs the proposed solution correct? `,
          continuation,
        },
      });
      if (result.tokens.length === 0) {
        throw new DeliberateError(
          "UPSTREAM",
          `backend \`${result.backend}\` scored no tokens of the continuation`,
        );
      }
      const logprob =
        reduce === "mean"
          ? result.logprob / result.tokens.length
          : result.tokens[result.tokens.length - 1].logprob;
      return {
        score: Math.exp(logprob),
        method: `likelihood-${reduce}`,
        data: { logprob, tokens: result.tokens.length },
      };
    },
  };
}
