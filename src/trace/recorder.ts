import { randomUUID } from "node:crypto";
import type { NodeData, Trace, TraceEvent, TraceNode, TraceNodeKind } from "./types.ts";

export type TraceListener = (event: TraceEvent) => void;

export interface SpanHandle<K extends TraceNodeKind = TraceNodeKind> {
  readonly id: string;
  /** Ends the node, merging `data` into its payload. Idempotent. */
  end(data?: Partial<NodeData<K>>): void;
}

/**
 * Records one trace as nodes appear and streams each change to listeners (the server's live viewer,
 * a JSONL writer). Nesting is explicit: pass the parent node's id.
 */
export class TraceRecorder {
  readonly trace: Trace;
  private readonly listeners = new Set<TraceListener>();
  private readonly byId = new Map<string, TraceNode>();

  constructor(id: string = randomUUID()) {
    this.trace = { id, startedAt: Date.now(), nodes: [] };
  }

  get id(): string {
    return this.trace.id;
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a node that ends later (a strategy span, a generation in flight). */
  start<K extends TraceNodeKind>(kind: K, name: string, data: NodeData<K>, parentId?: string): SpanHandle<K> {
    // The union member is chosen by `kind`; TypeScript cannot see that through the generic.
    const node = { id: randomUUID(), parentId, kind, name, startedAt: Date.now(), data } as TraceNode;
    this.trace.nodes.push(node);
    this.byId.set(node.id, node);
    this.emit({ type: "start", traceId: this.id, node });
    return {
      id: node.id,
      end: (extra) => {
        if (node.endedAt !== undefined) return;
        node.endedAt = Date.now();
        if (extra) Object.assign(node.data, extra);
        this.emit({ type: "end", traceId: this.id, nodeId: node.id, endedAt: node.endedAt, data: extra });
      },
    };
  }

  /** Records a node that is complete when it is recorded (a vote, a decision). */
  record<K extends TraceNodeKind>(kind: K, name: string, data: NodeData<K>, parentId?: string): string {
    const span = this.start(kind, name, data, parentId);
    span.end();
    return span.id;
  }

  node(id: string): TraceNode | undefined {
    return this.byId.get(id);
  }

  /** Marks the whole trace finished. */
  finish(error?: string): Trace {
    if (this.trace.endedAt === undefined) {
      this.trace.endedAt = Date.now();
      if (error) this.trace.error = error;
      this.emit({ type: "finish", traceId: this.id, endedAt: this.trace.endedAt, error });
    }
    return this.trace;
  }

  private emit(event: TraceEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
