/**
 * Contexts for one model, reused across calls. A call leases a whole context of exactly `n`
 * sequences and no other call shares it while it runs: llama.cpp's results depend (in the last bits)
 * on which tokens share a batch, so a call that shared its batches with whatever else happened to be
 * running could sample differently for the same seed. Alone in its context, with its sequences
 * stepping together (see `lockstep.ts`) and starting from an empty cache, a call's batches depend
 * on the request alone, and so do its samples.
 */
import type { LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { DeliberateError } from "../../errors.ts";

export interface SequencePoolOptions {
  model: LlamaModel;
  /** Tokens per sequence. */
  contextSize: number;
  /** CPU threads per context. */
  threads: number;
  /** Tokens per llama.cpp batch. Default: node-llama-cpp's (512, or the context size if smaller). */
  batchSize?: number;
  /** Idle contexts kept for reuse (the least recently used beyond this are freed). Default 4. */
  maxIdle?: number;
}

/** One call's context: its sequences in sequence-id order, each with an empty cache. */
export interface ContextLease {
  readonly context: LlamaContext;
  readonly sequences: readonly LlamaContextSequence[];
}

export class SequencePool {
  private readonly options: SequencePoolOptions;
  /** Idle leases, the most recently returned last. */
  private readonly idle: ContextLease[] = [];
  private readonly leased = new Set<ContextLease>();
  private disposed = false;

  constructor(options: SequencePoolOptions) {
    this.options = options;
  }

  /** Leases a context of `n` sequences, all with an empty cache. */
  async acquire(n: number): Promise<ContextLease> {
    if (this.disposed) throw new DeliberateError("INTERNAL", "the llama backend is closed");
    const index = this.idle.findLastIndex((lease) => lease.sequences.length === n);
    const lease = index >= 0 ? this.idle.splice(index, 1)[0] : await this.create(n);
    this.leased.add(lease);
    try {
      // A cache left by an earlier call would make this call's numbers depend on that call.
      await Promise.all(lease.sequences.map((sequence) => sequence.clearHistory()));
    } catch (error) {
      this.release(lease, { broken: true });
      throw error;
    }
    return lease;
  }

  /**
   * Returns a lease once every sequence of it is idle. A `broken` lease (a sample failed, so a
   * sequence's state is unknown) is freed instead of reused.
   */
  release(lease: ContextLease, { broken = false }: { broken?: boolean } = {}): void {
    if (!this.leased.delete(lease)) return;
    if (broken || this.disposed || lease.context.disposed) {
      void lease.context.dispose();
      return;
    }
    this.idle.push(lease);
    const { maxIdle = 4 } = this.options;
    while (this.idle.length > maxIdle) void this.idle.shift()?.context.dispose();
  }

  /** Frees every context. Leased sequences become unusable. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const leases = [...this.idle.splice(0), ...this.leased];
    this.leased.clear();
    await Promise.all(leases.map((lease) => lease.context.dispose()));
  }

  private async create(n: number): Promise<ContextLease> {
    const { model, contextSize, threads, batchSize } = this.options;
    let context: LlamaContext;
    try {
      context = await model.createContext({ sequences: n, contextSize, threads, batchSize });
    } catch (error) {
      throw new DeliberateError(
        "INTERNAL",
        `could not create a llama.cpp context for ${n} sequence(s) of ${contextSize} tokens: ` +
          `${error instanceof Error ? error.message : String(error)}; try a smaller \`n\` or \`contextSize\``,
        { cause: error },
      );
    }
    if (this.disposed) {
      await context.dispose();
      throw new DeliberateError("INTERNAL", "the llama backend is closed");
    }
    // A new context hands out sequence ids 0, 1, … in order: sample i runs on sequence id i.
    const sequences = Array.from({ length: n }, () => context.getSequence());
    return { context, sequences };
  }
}
