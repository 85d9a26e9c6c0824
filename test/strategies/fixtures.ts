/** Shared test fixtures for strategy tests: a math problem, a context, trace checks. */
import assert from "node:assert/strict";
import type { ModelBackend } from "../../src/models/types.ts";
import { createLedger } from "../../src/run/ledger.ts";
import type { Budget, Problem, RunContext } from "../../src/run/types.ts";
import { strategyDefinition } from "../../src/strategies/registry.ts";
import type { StrategyCallContext } from "../../src/strategies/types.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import type { Trace, TraceNode, TraceNodeKind } from "../../src/trace/types.ts";

export const problem: Problem = {
  id: "p1",
  messages: [{ role: "user", content: "What is 6 * 7?" }],
  kind: "math",
};

/** A context for calling a strategy directly, with the registry for composition by name. */
export function context(policy: ModelBackend, extra: Partial<RunContext> = {}, budget: Budget = {}) {
  return {
    backends: { policy },
    budget,
    trace: new TraceRecorder(),
    seed: 0,
    ledger: createLedger(),
    lookup: strategyDefinition,
    ...extra,
  } satisfies StrategyCallContext;
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

export function nodes<K extends TraceNodeKind>(
  trace: Trace,
  kind: K,
): Array<Extract<TraceNode, { kind: K }>> {
  return trace.nodes.filter((n): n is Extract<TraceNode, { kind: K }> => n.kind === kind);
}
