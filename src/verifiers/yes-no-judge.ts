/**
 * The one Yes/No judgement both LLM judges use (outcome: `llm-judge.ts`; steps: `step-judge.ts`): ask
 * a model a Yes/No question and read P(Yes) from the logprobs of its next token, not from the parsed
 * text: a calibrated probability ranks candidates far better than a 0/1 verdict (the generative-
 * verifier setup of search-and-learn and optillm). Backends without logprobs fall back to reading
 * the word, and the score says so (`method: "text-fallback"`).
 */
import type { ChatMessage, TopLogprob } from "../models/types.ts";
import { callModel } from "../run/call-model.ts";
import type { BackendRole, RunContext } from "../run/types.ts";
import type { VerifierScore } from "./types.ts";

/** Words read as a verdict, after trimming, lower-casing and dropping everything but letters. */
const YES = new Set(["yes", "y", "true", "correct"]);
const NO = new Set(["no", "n", "false", "incorrect", "wrong"]);

function verdictWord(text: string): "yes" | "no" | null {
  const word = text
    .trim()
    .toLowerCase()
    .replace(/[^a-z]/g, "");
  return YES.has(word) ? "yes" : NO.has(word) ? "no" : null;
}

/** P(Yes) over the Yes/No mass among a position's top tokens, or null when neither appears. */
export function yesProbability(top: TopLogprob[]): { pYes: number; yesMass: number; noMass: number } | null {
  let yesMass = 0;
  let noMass = 0;
  for (const { token, logprob } of top) {
    const word = verdictWord(token);
    if (word === "yes") yesMass += Math.exp(logprob);
    else if (word === "no") noMass += Math.exp(logprob);
  }
  if (yesMass + noMass === 0) return null;
  return { pYes: yesMass / (yesMass + noMass), yesMass, noMass };
}

export interface YesNoOptions {
  /** Backend that judges; the policy when the context has none in that role. */
  role: BackendRole;
  messages: ChatMessage[];
  /** Top alternatives to request for the verdict token (capped by the backend). */
  topLogprobs: number;
  /** Prefilled start of the reply, when the backend can prefill. */
  assistantPrefix?: string;
  /** The scored candidate's sample index, for the trace. */
  candidate?: number;
}

/** Asks the Yes/No question and scores the reply: P(Yes) from logprobs, else the word (1, 0 or 0.5). */
export async function judgeYesNo(ctx: RunContext, options: YesNoOptions): Promise<VerifierScore> {
  const role = ctx.backends[options.role] ? options.role : "policy";
  const backend = ctx.backends[role] ?? ctx.backends.policy;
  const logprobs = backend.capabilities.logprobs
    ? Math.max(1, Math.min(options.topLogprobs, backend.capabilities.maxTopLogprobs))
    : undefined;
  const { completions } = await callModel(ctx, {
    role,
    purpose: "judge",
    request: {
      messages: options.messages,
      assistantPrefix: backend.capabilities.prefill ? options.assistantPrefix : undefined,
      temperature: 0,
      maxTokens: 1,
      logprobs,
    },
    ...(options.candidate === undefined ? {} : { tags: { candidate: options.candidate } }),
  });
  const completion = completions[0];
  const first = completion?.logprobs?.[0];
  const fromLogprobs = first ? yesProbability(first.top ?? [first]) : null;
  if (fromLogprobs) return { score: fromLogprobs.pYes, method: "logprobs", data: { ...fromLogprobs } };
  // No usable logprobs: read the verdict word; say so in the trace.
  const word = verdictWord(completion?.text ?? "");
  return {
    score: word === "yes" ? 1 : word === "no" ? 0 : 0.5,
    method: "text-fallback",
    data: {
      verdict: completion?.text ?? "",
      warning: backend.capabilities.logprobs
        ? "no Yes/No token among the top logprobs; read the text instead"
        : `backend \`${backend.id}\` returns no logprobs; the score is a 0/1 text verdict`,
    },
  };
}
