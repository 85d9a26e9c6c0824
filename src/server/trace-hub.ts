import type { TraceRecorder } from "../trace/recorder.ts";
import type { Trace, TraceEvent } from "../trace/types.ts";

/** What the viewer lists for one request. */
export interface RequestSummary {
  traceId: string;
  model: string;
  strategy: string;
  startedAt: number;
  endedAt?: number;
  status: "running" | "done" | "error";
  answer?: string;
  error?: string;
  usage?: { promptTokens: number; completionTokens: number; calls: number };
}

interface Entry {
  summary: RequestSummary;
  recorder: TraceRecorder;
}

/**
 * Keeps the most recent requests' traces in memory (a bounded ring) and fans their events out to live
 * viewers. Only finished requests are evicted, oldest first.
 */
export class TraceHub {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<
    (event: TraceEvent | { type: "request"; summary: RequestSummary }) => void
  >();

  constructor(private readonly capacity = 200) {}

  add(
    recorder: TraceRecorder,
    summary: Omit<RequestSummary, "traceId" | "status" | "startedAt">,
  ): RequestSummary {
    const entry: Entry = {
      recorder,
      summary: { ...summary, traceId: recorder.id, status: "running", startedAt: recorder.trace.startedAt },
    };
    this.entries.set(recorder.id, entry);
    recorder.on((event) => this.emit(event));
    this.emit({ type: "request", summary: entry.summary });
    this.evict();
    return entry.summary;
  }

  update(traceId: string, patch: Partial<RequestSummary>): void {
    const entry = this.entries.get(traceId);
    if (!entry) return;
    Object.assign(entry.summary, patch);
    this.emit({ type: "request", summary: entry.summary });
  }

  list(): RequestSummary[] {
    return [...this.entries.values()].map((e) => e.summary).reverse();
  }

  get(traceId: string): { summary: RequestSummary; trace: Trace } | undefined {
    const entry = this.entries.get(traceId);
    return entry && { summary: entry.summary, trace: entry.recorder.trace };
  }

  subscribe(
    listener: (event: TraceEvent | { type: "request"; summary: RequestSummary }) => void,
  ): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: TraceEvent | { type: "request"; summary: RequestSummary }): void {
    for (const listener of this.listeners) listener(event);
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return;
      if (entry.summary.status !== "running") this.entries.delete(id);
    }
  }
}
