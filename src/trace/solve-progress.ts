/**
 * A solve's progress folded from the trace events every strategy already emits (so no strategy knows
 * about it): samples done of the strategy's `samples`, the answer leading so far, and the final vote.
 * The CLI draws it on stderr (`cli/solve-progress.ts`); the AI SDK middleware streams it as reasoning.
 *
 * - the root `strategy` span's start carries its resolved options (`samples`: the total);
 * - a `sample` `generate` node under the root ends with its completions (the samples); a nested
 *   strategy span under the root (`inner`) ends with its answer key (one sample);
 * - a `vote` node under the root is the strategy's own count, and replaces the running tally.
 *
 * A backend that samples all n in one call (llama.cpp) finishes them together, so the count moves
 * per call: all at once without a stopping rule, per batch with one. Samples asked for after a vote
 * (a cascade escalating to its large model) raise the total and start a new count.
 */
import type { TraceRecorder } from "./recorder.ts";
import type { TraceEvent, TraceNode } from "./types.ts";

export interface SolveProgressState {
  strategy: string;
  /** The strategy's `samples` option; progress shows only when it is above 1. */
  total?: number;
  /** Samples finished (usable or not). */
  done: number;
  /** Samples asked for and not back yet. */
  inFlight: number;
  /** The answer with the most samples so far: its key and its votes among `voted`. */
  leader?: { key: string; votes: number; voted: number };
  /** The strategy's vote is in: `leader` is its winner. */
  voted: boolean;
  /** The strategy's latest decision under the root other than `continue`: `stop`, `escalate`, `accept`. */
  decision?: string;
}

/** Folds trace events into a `SolveProgressState`; `keyOf` reads a sample's answer key. */
export class SolveProgressTracker {
  private root: TraceNode | undefined;
  private readonly tally = new Map<string, number>();
  private keyed = 0;
  private readonly pending = new Map<string, number>();
  private current: SolveProgressState = { strategy: "", done: 0, inFlight: 0, voted: false };

  constructor(private readonly keyOf: (text: string) => string | null) {}

  get state(): SolveProgressState {
    return this.current;
  }

  /** Applies one event; returns whether the state changed. */
  apply(event: TraceEvent, trace: TraceRecorder): boolean {
    if (event.type === "finish") return false;
    const node = event.type === "start" ? event.node : trace.node(event.nodeId);
    if (!node) return false;
    if (event.type === "start") return this.started(node);
    if (!this.root || node.parentId !== this.root.id) return false;
    switch (node.kind) {
      case "generate": {
        const asked = this.pending.get(node.id);
        if (asked === undefined) return false;
        this.pending.delete(node.id);
        const completions = Array.isArray(node.data.completions)
          ? (node.data.completions as Array<{ text?: unknown }>)
          : [];
        for (const c of completions) this.count(this.keyOf(String(c.text ?? "")));
        this.update({
          done: this.current.done + completions.length,
          inFlight: this.current.inFlight - asked,
        });
        return true;
      }
      case "strategy":
        // An inner strategy's run is one sample; its span ends with its answer key.
        this.count(typeof node.data.key === "string" ? node.data.key : null);
        this.update({ done: this.current.done + 1, inFlight: Math.max(0, this.current.inFlight - 1) });
        return true;
      case "decision":
        if (node.name === "continue") return false;
        this.update({ decision: node.name });
        return true;
      case "vote": {
        const counts = (node.data.counts ?? {}) as Record<string, number>;
        const winner = node.data.winner;
        if (typeof winner !== "string") return false;
        const voted = Object.values(counts).reduce((sum, n) => sum + n, 0);
        this.update({ leader: { key: winner, votes: counts[winner] ?? 0, voted }, voted: true });
        return true;
      }
      default:
        return false;
    }
  }

  private started(node: TraceNode): boolean {
    if (node.kind === "strategy" && node.parentId === undefined && !this.root) {
      this.root = node;
      const samples = (node.data.options as { samples?: unknown } | undefined)?.samples;
      this.current = {
        strategy: node.name,
        ...(typeof samples === "number" ? { total: samples } : {}),
        done: 0,
        inFlight: 0,
        voted: false,
      };
      return true;
    }
    if (!this.root || node.parentId !== this.root.id) return false;
    if (node.kind === "strategy") {
      this.update({ inFlight: this.current.inFlight + 1 });
      return true;
    }
    // The policy's sampling calls; a verifier's judgements and scoring passes are not samples.
    if (node.kind !== "generate" || node.data.purpose !== "sample") return false;
    const n = node.data.request.n;
    const asked = typeof n === "number" ? n : 1;
    this.pending.set(node.id, asked);
    if (this.current.voted) {
      // More samples after the vote: a cascade's large model. They get a count of their own.
      this.tally.clear();
      this.keyed = 0;
      const total = Math.max(this.current.total ?? 0, this.current.done + this.current.inFlight + asked);
      this.update({ voted: false, leader: undefined, total });
    }
    this.update({ inFlight: this.current.inFlight + asked });
    return true;
  }

  private count(key: string | null): void {
    if (this.current.voted) return;
    if (key !== null) this.tally.set(key, (this.tally.get(key) ?? 0) + 1);
    this.keyed++;
    let best: [string, number] | undefined;
    for (const entry of this.tally) if (!best || entry[1] > best[1]) best = entry;
    if (best) this.update({ leader: { key: best[0], votes: best[1], voted: this.keyed } });
  }

  private update(change: Partial<SolveProgressState>): void {
    this.current = { ...this.current, ...change };
  }
}

/** `self-consistency: 8/16 samples (8 sampling) · leading 48 (7 of 8) · 1.2 s`. */
export function solveProgressLine(state: SolveProgressState, elapsedMs?: number): string {
  const total = state.total === undefined ? "" : `/${state.total}`;
  const sampling = state.inFlight > 0 && !state.voted ? ` (${state.inFlight} sampling)` : "";
  const leader = state.leader
    ? ` · ${state.voted ? "vote" : "leading"} ${state.leader.key} (${state.leader.votes} of ${state.leader.voted})`
    : "";
  const decision = state.decision ? ` · ${state.decision}` : "";
  const time = elapsedMs === undefined ? "" : ` · ${(elapsedMs / 1000).toFixed(1)} s`;
  return `${state.strategy}: ${state.done}${total} samples${sampling}${leader}${decision}${time}`;
}
