import type { BackendUsage, UsageLedger } from "./types.ts";

/** A fresh ledger for one solve; nested strategies share it through `ctx.ledger`. */
export function createLedger(startedAt: number = Date.now()): UsageLedger {
  const usage: Record<string, BackendUsage> = {};
  let calls = 0;
  let tokens = 0;
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
  };
}

/** A deep copy of the ledger's usage, for a Solution that must not change after it is returned. */
export function usageSnapshot(ledger: UsageLedger): Record<string, BackendUsage> {
  return Object.fromEntries(Object.entries(ledger.usage).map(([id, entry]) => [id, { ...entry }]));
}
