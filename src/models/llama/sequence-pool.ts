/**
 * Contexts and their sequences for one model, reused across calls. A call leases `n` sequences of ONE
 * context, so its samples share llama.cpp batches; concurrent calls lease disjoint sequences (of the
 * same context when it has room, so they batch together too) and never see each other's state.
 * Idle sequences keep their KV cache, and a lease prefers the ones sharing the longest prefix with
 * the new prompt (n samples of the same question re-evaluate only the last prompt token).
 */
import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { DeliberateError } from "../../errors.ts";

export interface SequencePoolOptions {
  model: LlamaModel;
  /** Tokens per sequence. */
  contextSize: number;
  /** CPU threads per context. */
  threads: number;
  /** Tokens per llama.cpp batch. Default: node-llama-cpp's (512, or the context size if smaller). */
  batchSize?: number;
}

interface PooledContext {
  context: LlamaContext;
  /** Sequences created and not leased. */
  idle: LlamaContextSequence[];
  leased: number;
}

export class SequencePool {
  private readonly options: SequencePoolOptions;
  private readonly contexts: PooledContext[] = [];
  private disposed = false;

  constructor(options: SequencePoolOptions) {
    this.options = options;
  }

  /** Leases `n` sequences of one context, creating a context sized for `n` when none has room. */
  async acquire(n: number, promptTokens: readonly Token[] = []): Promise<LlamaContextSequence[]> {
    if (this.disposed) throw new DeliberateError("INTERNAL", "the llama backend is closed");
    const pooled = this.contexts
      .filter((entry) => entry.idle.length + entry.context.sequencesLeft >= n)
      // The smallest context that fits, so big contexts stay free for big requests.
      .sort((a, b) => a.context.totalSequences - b.context.totalSequences)[0];
    const entry = pooled ?? (await this.createContext(n));
    const sequences = takeBestPrefixes(entry.idle, n, promptTokens);
    while (sequences.length < n) sequences.push(entry.context.getSequence());
    entry.leased += n;
    return sequences;
  }

  /** Returns leased sequences; they keep their KV cache for the next lease. */
  release(sequences: readonly LlamaContextSequence[]): void {
    for (const sequence of sequences) {
      const entry = this.contexts.find((candidate) => candidate.context === sequence.context);
      if (entry === undefined || sequence.disposed) continue;
      entry.leased--;
      entry.idle.push(sequence);
    }
  }

  /** Returns a leased sequence whose state is unknown (a failed call): it is disposed, not reused. */
  discard(sequence: LlamaContextSequence): void {
    const entry = this.contexts.find((candidate) => candidate.context === sequence.context);
    if (entry !== undefined) entry.leased--;
    if (!sequence.disposed) void sequence.dispose();
  }

  /** Frees every context. Leased sequences become unusable. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const contexts = this.contexts.splice(0);
    await Promise.all(contexts.map((entry) => entry.context.dispose()));
  }

  private async createContext(sequences: number): Promise<PooledContext> {
    const { model, contextSize, threads, batchSize } = this.options;
    let context: LlamaContext;
    try {
      context = await model.createContext({ sequences, contextSize, threads, batchSize });
    } catch (error) {
      throw new DeliberateError(
        "INTERNAL",
        `could not create a llama.cpp context for ${sequences} sequence(s) of ${contextSize} tokens: ` +
          `${error instanceof Error ? error.message : String(error)}; try a smaller \`n\` or \`contextSize\``,
        { cause: error },
      );
    }
    if (this.disposed) {
      await context.dispose();
      throw new DeliberateError("INTERNAL", "the llama backend is closed");
    }
    // A bigger context serves every request the idle smaller ones did; free their memory.
    for (const entry of [...this.contexts]) {
      if (entry.leased === 0 && entry.context.totalSequences <= sequences) {
        this.contexts.splice(this.contexts.indexOf(entry), 1);
        void entry.context.dispose();
      }
    }
    const entry: PooledContext = { context, idle: [], leased: 0 };
    this.contexts.push(entry);
    return entry;
  }
}

/** Removes and returns up to `n` idle sequences, those sharing the longest prefix with the prompt first. */
function takeBestPrefixes(idle: LlamaContextSequence[], n: number, promptTokens: readonly Token[]) {
  const ranked = idle
    .map((sequence) => ({
      sequence,
      shared:
        promptTokens.length === 0
          ? 0
          : sequence.compareContextTokens(promptTokens as Token[]).firstDifferentIndex,
    }))
    .sort((a, b) => b.shared - a.shared)
    .slice(0, n)
    .map(({ sequence }) => sequence);
  for (const sequence of ranked) idle.splice(idle.indexOf(sequence), 1);
  return ranked;
}
