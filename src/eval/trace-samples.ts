/**
 * Reads the candidates a strategy sampled out of its trace, for maj@k / weighted@k / pass@k curves:
 * every completion of every policy `generate` node in order, weighted by the verifier's `score`
 * node for that candidate when there is one.
 */
import type { Trace } from "../trace/types.ts";

export interface TracedSample {
  text: string;
  tokens: number;
  /** A verifier score in [0, 1] when the strategy scored this candidate; else 1. */
  weight: number;
}

interface TracedCompletion {
  text?: unknown;
  usage?: { completionTokens?: unknown };
  finishReason?: unknown;
}

/**
 * `policyId`, when given, keeps only that backend's samples: a cascade calls its large model in
 * the policy seat, and those samples are not the policy model's.
 */
export function traceSamples(trace: Trace, policyId?: string): TracedSample[] {
  const samples: TracedSample[] = [];
  const scores = new Map<number, number>();
  for (const node of trace.nodes) {
    if (
      node.kind === "generate" &&
      node.data.scoring !== true &&
      (node.data.role ?? "policy") === "policy" &&
      (policyId === undefined || node.name === policyId)
    ) {
      const completions = Array.isArray(node.data.completions)
        ? (node.data.completions as TracedCompletion[])
        : [];
      for (const c of completions) {
        if (typeof c.text !== "string" || c.finishReason === "error" || c.finishReason === "abort") continue;
        const tokens = typeof c.usage?.completionTokens === "number" ? c.usage.completionTokens : 0;
        samples.push({ text: c.text, tokens, weight: 1 });
      }
    } else if (
      node.kind === "score" &&
      typeof node.data.candidate === "number" &&
      typeof node.data.value === "number"
    ) {
      scores.set(node.data.candidate, node.data.value);
    }
  }
  for (const [index, value] of scores) if (samples[index]) samples[index].weight = value;
  return samples;
}
