/**
 * The trace schema: a tree of nodes recording everything a strategy did. JSON-serialisable,
 * streamed as events while a strategy runs, stored by id. Type-only; imports nothing.
 */

export type TraceNodeKind =
  /** A strategy (or a nested strategy) as a span around its children. */
  | "strategy"
  /** One model call: request, completions, tokens, latency, backend. */
  | "generate"
  /** A verifier's score of one candidate. */
  | "score"
  /** A vote: keys, counts, weights, winner. */
  | "vote"
  /** A decision with its reason: stop, escalate, expand, prune, retry. */
  | "decision"
  /** A tool call: code run in the sandbox, its result or error. */
  | "tool";

export interface TraceNode {
  id: string;
  /** The enclosing node; absent for the root. */
  parentId?: string;
  kind: TraceNodeKind;
  /** Short human label: strategy name, backend id, verifier name, decision name. */
  name: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt?: number;
  /** Kind-specific payload (request/completions for `generate`, counts/winner for `vote`, ...). */
  data: Record<string, unknown>;
}

export type TraceEvent =
  | { type: "start"; traceId: string; node: TraceNode }
  | { type: "end"; traceId: string; nodeId: string; endedAt: number; data?: Record<string, unknown> }
  | { type: "finish"; traceId: string; endedAt: number; error?: string };

export interface Trace {
  id: string;
  startedAt: number;
  endedAt?: number;
  /** Nodes in the order they started; the tree is rebuilt from `parentId`. */
  nodes: TraceNode[];
  error?: string;
}
