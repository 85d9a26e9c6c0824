/**
 * Budget arithmetic, checked before every model call: a call that could overrun the budget is shrunk
 * (fewer samples, fewer tokens each) or refused, so `maxCalls`, `maxTokens` and `maxSeconds` are never
 * exceeded. Prompt tokens are not known before a call, so they are estimated on the safe side (see
 * `estimatePromptTokens`).
 */
import { DeliberateError } from "../errors.ts";
import type { GenerateRequest } from "../models/types.ts";
import type { Budget, CallAllowance, UsageLedger } from "./types.ts";

/** What `allowCall` reads of a ledger: when the solve started and what is spent (or committed). */
export type SpentSoFar = Pick<UsageLedger, "startedAt" | "calls" | "tokens">;

/** Chat templates wrap each message in role markers; a generous allowance per message, in tokens. */
const TEMPLATE_TOKENS_PER_MESSAGE = 16;
/** Begin/end-of-sequence markers and the assistant header. */
const TEMPLATE_TOKENS_FIXED = 32;
/**
 * Fewest completion tokens worth sampling when the budget forces a choice between more samples and
 * longer ones: a reasoning sample cut shorter than this rarely reaches an answer, so the budget buys
 * fewer, complete samples instead of many truncated ones.
 */
export const MIN_USEFUL_TOKENS = 128;

/**
 * Upper estimate of a request's prompt tokens from its UTF-8 bytes: byte-level BPE never yields more
 * tokens than bytes. `tokensPerByte` (learned from earlier calls to the same backend) tightens it.
 */
export function estimatePromptTokens(request: GenerateRequest, tokensPerByte = 1): number {
  const parts = request.messages?.map((m) => m.content) ?? [request.prompt ?? ""];
  if (request.assistantPrefix) parts.push(request.assistantPrefix);
  const bytes = parts.reduce((sum, part) => sum + Buffer.byteLength(part, "utf8"), 0);
  const overhead = TEMPLATE_TOKENS_FIXED + TEMPLATE_TOKENS_PER_MESSAGE * (request.messages?.length ?? 0);
  return Math.ceil(bytes * Math.min(1, tokensPerByte)) + overhead;
}

/** What the next call may spend, or a `BUDGET` error when the budget allows no further call. */
export function allowCall(
  budget: Budget,
  ledger: SpentSoFar,
  request: GenerateRequest,
  promptEstimate: number,
  now: number = Date.now(),
): CallAllowance {
  const n = request.n ?? 1;
  const deadline = budget.maxSeconds === undefined ? undefined : ledger.startedAt + budget.maxSeconds * 1000;
  if (deadline !== undefined && now >= deadline) {
    throw new DeliberateError("BUDGET", `time budget of ${budget.maxSeconds}s is spent`, {
      param: "maxSeconds",
    });
  }
  if (budget.maxCalls !== undefined && ledger.calls() >= budget.maxCalls) {
    throw new DeliberateError("BUDGET", `call budget of ${budget.maxCalls} is spent`, { param: "maxCalls" });
  }
  if (budget.maxTokens === undefined) return { n, maxTokens: request.maxTokens, deadline };

  // Every sample is charged its prompt (backends report prompt tokens per completion) plus its
  // completion; prefer fewer samples of a useful length over many truncated ones.
  const remaining = budget.maxTokens - ledger.tokens();
  const useful = Math.min(request.maxTokens ?? MIN_USEFUL_TOKENS, MIN_USEFUL_TOKENS);
  const fits = Math.min(
    n,
    Math.max(Math.floor(remaining / (promptEstimate + useful)), remaining > promptEstimate ? 1 : 0),
  );
  if (fits < 1) {
    throw new DeliberateError(
      "BUDGET",
      `token budget of ${budget.maxTokens} is spent (${remaining} left, next prompt ~${promptEstimate})`,
      { param: "maxTokens" },
    );
  }
  const perSample = Math.floor(remaining / fits) - promptEstimate;
  const maxTokens = Math.min(request.maxTokens ?? Number.POSITIVE_INFINITY, perSample);
  return { n: fits, maxTokens, deadline };
}

/** True for the error `allowCall` throws, so strategies can stop and answer with what they have. */
export function isBudgetError(error: unknown): boolean {
  return DeliberateError.isInstance(error) && error.code === "BUDGET";
}

/** Milliseconds left in the time budget (Infinity without one): caps sandbox runs and tests. */
export function remainingMs(budget: Budget, ledger: SpentSoFar, now: number = Date.now()): number {
  return budget.maxSeconds === undefined
    ? Number.POSITIVE_INFINITY
    : ledger.startedAt + budget.maxSeconds * 1000 - now;
}
