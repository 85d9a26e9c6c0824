/** Shared test fixtures for strategy tests: a math problem, a context, trace checks. */
import assert from "node:assert/strict";
import type { ModelBackend } from "../../src/models/types.ts";
import { createLedger } from "../../src/strategies/ledger.ts";
import type { Budget, Problem, StrategyContext } from "../../src/strategies/types.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import type { Trace } from "../../src/trace/types.ts";

export const problem: Problem = {
  id: "p1",
  messages: [{ role: "user", content: "What is 6 * 7?" }],
  kind: "math",
};

export function context(policy: ModelBackend, extra: Partial<StrategyContext> = {}, budget: Budget = {}) {
  return {
    backends: { policy },
    budget,
    trace: new TraceRecorder(),
    seed: 0,
    ledger: createLedger(),
    ...extra,
  } satisfies StrategyContext;
}

/** Every node ended, every parent exists, exactly one root. */
export function assertTraceComplete(trace: Trace): void {
  const ids = new Set(trace.nodes.map((n) => n.id));
  for (const node of trace.nodes) {
    assert.ok(node.endedAt !== undefined, `${node.kind} node ${node.name} never ended`);
    if (node.parentId !== undefined)
      assert.ok(ids.has(node.parentId), `${node.kind} node has a missing parent`);
  }
  assert.equal(trace.nodes.filter((n) => n.parentId === undefined).length, 1, "one root node");
}

export function nodes(trace: Trace, kind: string) {
  return trace.nodes.filter((n) => n.kind === kind);
}
