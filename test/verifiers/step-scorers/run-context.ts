/**
 * A call-layer context for step-scorer tests: backends, budget, trace and ledger, without the
 * strategy registry (step scorers sit below strategies, so their tests do not load them).
 */
import type { ModelBackend } from "../../../src/models/types.ts";
import { createLedger } from "../../../src/run/ledger.ts";
import type { Budget, RunContext } from "../../../src/run/types.ts";
import { TraceRecorder } from "../../../src/trace/recorder.ts";
import type { Trace, TraceNode, TraceNodeKind } from "../../../src/trace/types.ts";

export function runContext(
  policy: ModelBackend,
  extra: Partial<RunContext> = {},
  budget: Budget = {},
): RunContext {
  return {
    backends: { policy },
    budget,
    trace: new TraceRecorder(),
    seed: 0,
    ledger: createLedger(),
    ...extra,
  };
}

/** The trace's nodes of one kind, typed. */
export function nodes<K extends TraceNodeKind>(
  trace: Trace,
  kind: K,
): Array<Extract<TraceNode, { kind: K }>> {
  return trace.nodes.filter((n): n is Extract<TraceNode, { kind: K }> => n.kind === kind);
}
