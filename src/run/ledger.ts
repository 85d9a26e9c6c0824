/**
 * The usage ledger of one solve: what was charged, what is in flight, and the prompt-token density
 * learned per backend. All the budget's state lives here, so parallel calls, nested strategies and
 * verifiers sharing one ledger cannot overrun the budget between them.
 */
import type { GenerateRequest } from "../models/types.ts";
import { allowCall, estimatePromptTokens } from "./budget.ts";
import type { BackendUsage, Budget, UsageLedger } from "./types.ts";

/** Margin over the observed density: prompts within one solve differ a little in wording. */
const DENSITY_MARGIN = 1.5;

/** A fresh ledger for one solve. */
export function createLedger(startedAt: number = Date.now()): UsageLedger {
  const usage: Record<string, BackendUsage> = {};
  const density = new Map<string, number>();
  let calls = 0;
  let tokens = 0;
  const pending = { calls: 0, tokens: 0 };
  // What the budget is checked against: charged usage plus the worst case of calls in flight.
  const committed = {
    startedAt,
    calls: () => calls + pending.calls,
    tokens: () => tokens + pending.tokens,
  };
  return {
    startedAt,
    usage,
    calls: () => calls,
    tokens: () => tokens,
    charge(backendId, spent) {
      usage[backendId] ??= { calls: 0, promptTokens: 0, completionTokens: 0 };
      const entry = usage[backendId];
      entry.calls += 1;
      entry.promptTokens += spent.promptTokens;
      entry.completionTokens += spent.completionTokens;
      calls += 1;
      tokens += spent.promptTokens + spent.completionTokens;
    },
    estimatePrompt: (backendId, request) => estimatePromptTokens(request, density.get(backendId)),
    observePrompt(backendId, request, promptTokens, samples) {
      const bytes = estimatePromptTokens(request);
      if (samples === 0 || bytes === 0) return;
      const observed = (promptTokens / samples / bytes) * DENSITY_MARGIN;
      density.set(backendId, Math.max(observed, density.get(backendId) ?? 0));
    },
    reserve(budget: Budget, request: GenerateRequest, estimate: number) {
      const allowance = allowCall(budget, committed, request, estimate);
      const worst = allowance.maxTokens === undefined ? 0 : allowance.n * (estimate + allowance.maxTokens);
      pending.calls += 1;
      pending.tokens += worst;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        pending.calls -= 1;
        pending.tokens -= worst;
      };
      return { allowance, release };
    },
    plan(budget, request, count, estimate) {
      const allowance = allowCall(budget, committed, { ...request, n: count }, estimate);
      const callsLeft =
        budget.maxCalls === undefined ? allowance.n : Math.max(1, budget.maxCalls - committed.calls());
      return { n: Math.min(allowance.n, callsLeft), maxTokens: allowance.maxTokens };
    },
    snapshot: () => Object.fromEntries(Object.entries(usage).map(([id, entry]) => [id, { ...entry }])),
  };
}
