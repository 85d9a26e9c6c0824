/**
 * A process-reward judge for partial reasoning (PRM-style, Lightman et al., 2023, arXiv:2305.20050):
 * "are the steps so far correct?", read as P(Yes) from the next-token logprobs of the `verifier`
 * backend (the policy when there is none). Step search scores unfinished traces with it, where an
 * outcome judge ("is the final answer correct?") has no answer to look at yet.
 */

import { yesProbability } from "../verifiers/llm-judge.ts";
import type { Verifier, VerifierScore } from "../verifiers/types.ts";
import { callModel } from "./call-model.ts";
import { questionText } from "./prompts.ts";

const SYSTEM =
  "You are a strict grader of step-by-step solutions. The solution may be unfinished; judge only the steps written so far.";
const QUESTION = "Are all the steps so far correct and useful? Reply with Yes or No.";
/** Alternatives requested for the verdict token (capped by the backend). */
const TOP_LOGPROBS = 20;

export function stepJudge(): Verifier {
  return {
    name: "step-judge",
    async score(problem, candidate, ctx): Promise<VerifierScore> {
      const role = ctx.backends.verifier ? "verifier" : "policy";
      const backend = ctx.backends[role] ?? ctx.backends.policy;
      const logprobs = backend.capabilities.logprobs
        ? Math.max(1, Math.min(TOP_LOGPROBS, backend.capabilities.maxTopLogprobs))
        : undefined;
      const { completions } = await callModel(ctx, {
        role,
        request: {
          messages: [
            { role: "system", content: SYSTEM },
            {
              role: "user",
              content: `Question:\n${questionText(problem)}\n\nSolution so far:\n${candidate.text}\n\n${QUESTION}`,
            },
          ],
          temperature: 0,
          maxTokens: 1,
          logprobs,
        },
        label: { verifier: "step-judge", candidate: candidate.index },
      });
      const first = completions[0]?.logprobs?.[0];
      const read = first ? yesProbability(first.top ?? [first]) : null;
      if (read) return { score: read.pYes, method: "logprobs", data: { ...read } };
      const word = (completions[0]?.text ?? "").trim().toLowerCase();
      const score = word.startsWith("yes") ? 1 : word.startsWith("no") ? 0 : 0.5;
      return { score, method: "text-fallback", data: { verdict: completions[0]?.text ?? "" } };
    },
  };
}
