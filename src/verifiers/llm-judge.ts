/**
 * LLM-as-judge: ask a model "is this answer correct? Yes or No" and read P(Yes) from the logprobs of
 * its next token, not from the parsed text: a calibrated probability ranks candidates far better than a
 * 0/1 verdict (the generative-verifier setup of search-and-learn and optillm). Backends without
 * logprobs fall back to reading the word, and the score node says so (`method: "text-fallback"`).
 */

import type { TopLogprob } from "../models/types.ts";
import { type BackendRole, callModel } from "../strategies/call-model.ts";
import { questionText } from "../strategies/prompts.ts";
import { answerText } from "../strategies/thinking.ts";
import type { Verifier, VerifierScore } from "./types.ts";

export interface LlmJudgeOptions {
  /** Backend that judges: `verifier` (default) or the policy itself (self-verification). */
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

/** Words read as a verdict, after trimming and lower-casing the token. */
const YES = new Set(["yes", "y", "true", "correct"]);
const NO = new Set(["no", "n", "false", "incorrect", "wrong"]);

/** P(Yes) over the Yes/No mass among a position's top tokens, or null when neither appears. */
export function yesProbability(top: TopLogprob[]): { pYes: number; yesMass: number; noMass: number } | null {
  let yesMass = 0;
  let noMass = 0;
  for (const { token, logprob } of top) {
    const word = token.trim().toLowerCase();
    if (YES.has(word)) yesMass += Math.exp(logprob);
    else if (NO.has(word)) noMass += Math.exp(logprob);
  }
  if (yesMass + noMass === 0) return null;
  return { pYes: yesMass / (yesMass + noMass), yesMass, noMass };
}

export function llmJudge(options: LlmJudgeOptions = {}): Verifier {
  const { role = "verifier", topLogprobs = 20, system = DEFAULT_SYSTEM, assistantPrefix } = options;
  return {
    name: "judge",
    async score(problem, candidate, ctx): Promise<VerifierScore> {
      const backend = ctx.backends[role] ?? ctx.backends.policy;
      const useRole = ctx.backends[role] ? role : "policy";
      const logprobs = backend.capabilities.logprobs
        ? Math.max(1, Math.min(topLogprobs, backend.capabilities.maxTopLogprobs))
        : undefined;
      const { completions } = await callModel(ctx, {
        role: useRole,
        request: {
          messages: [
            { role: "system", content: system },
            {
              role: "user",
              content: `Question:\n${questionText(problem)}\n\nProposed solution:\n${answerText(candidate)}\n\n${QUESTION}`,
            },
          ],
          assistantPrefix: backend.capabilities.prefill ? assistantPrefix : undefined,
          temperature: 0,
          maxTokens: 1,
          logprobs,
        },
        label: { verifier: "judge", candidate: candidate.index },
      });
      const completion = completions[0];
      const first = completion?.logprobs?.[0];
      const fromLogprobs = first ? yesProbability(first.top ?? [first]) : null;
      if (fromLogprobs) return { score: fromLogprobs.pYes, method: "logprobs", data: { ...fromLogprobs } };
      // No usable logprobs: read the verdict word; say so in the trace.
      const word = (completion?.text ?? "")
        .trim()
        .toLowerCase()
        .replace(/[^a-z]/g, "");
      const score = YES.has(word) ? 1 : NO.has(word) ? 0 : 0.5;
      return {
        score,
        method: "text-fallback",
        data: {
          verdict: completion?.text ?? "",
          warning: backend.capabilities.logprobs
            ? "no Yes/No token among the top logprobs; read the text instead"
            : `backend \`${backend.id}\` returns no logprobs; the score is a 0/1 text verdict`,
        },
      };
    },
  };
}
