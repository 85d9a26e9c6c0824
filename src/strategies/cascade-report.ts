/**
 * A run's cascade numbers from its traces: how many questions escalated to the large model and the
 * tokens saved against asking the large model alone (each from the `cascade` span's data).
 */
import type { Trace } from "../trace/types.ts";

export interface CascadeReport {
  /** Traces with a cascade span. */
  questions: number;
  escalated: number;
  /** escalated / questions; 0 without questions. */
  escalationShare: number;
  /** Summed `savedTokens` (negative when escalations cost more than they saved). */
  savedTokens: number;
}

/** Escalation share and token savings over a run's traces (each trace's top cascade span). */
export function cascadeReport(traces: Trace[]): CascadeReport {
  let questions = 0;
  let escalated = 0;
  let savedTokens = 0;
  for (const trace of traces) {
    const span = trace.nodes.find((n) => n.kind === "strategy" && n.name === "cascade");
    if (!span || span.data.escalated === undefined) continue;
    questions++;
    if (span.data.escalated === true) escalated++;
    savedTokens += typeof span.data.savedTokens === "number" ? span.data.savedTokens : 0;
  }
  return { questions, escalated, escalationShare: questions ? escalated / questions : 0, savedTokens };
}
