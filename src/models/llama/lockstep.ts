/**
 * Makes the n samples of one call step together: each asks for its next token only once every
 * sample still running has asked, and they ask in sample order.
 *
 * Why: node-llama-cpp batches whatever sequences have queued a token when it dispatches, in the
 * order they queued. Left alone, that is the order in which their previous tokens happened to
 * finish sampling on the thread pool, so under CPU load the batches of the same call came out with
 * other members and another order from run to run — and llama.cpp's logits depend (in the last
 * bits) on a batch's members and order, enough to change a sampled token now and then. In lockstep,
 * step t's batch is exactly the samples still running at step t, in sample order: a function of the
 * request, whatever the load.
 */
export class Lockstep {
  /** Samples waiting at the barrier, by index, with the function that lets them go. */
  private readonly waiting = new Map<number, (go: boolean) => void>();
  private readonly running = new Set<number>();

  constructor(samples: number) {
    for (let index = 0; index < samples; index++) this.running.add(index);
  }

  /**
   * Resolves when every running sample has arrived: `true` to take the step, `false` when the
   * sample left meanwhile (aborted) and must not step.
   */
  arrive(index: number): Promise<boolean> {
    if (!this.running.has(index)) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.waiting.set(index, resolve);
      this.releaseIfAllArrived();
    });
  }

  /** A sample that takes no more steps (finished, failed or aborted). */
  leave(index: number): void {
    if (!this.running.delete(index)) return;
    this.waiting.get(index)?.(false);
    this.waiting.delete(index);
    this.releaseIfAllArrived();
  }

  private releaseIfAllArrived(): void {
    if (this.waiting.size === 0 || this.waiting.size < this.running.size) return;
    const order = [...this.waiting.keys()].sort((a, b) => a - b);
    const resolvers = order.map((index) => this.waiting.get(index));
    this.waiting.clear();
    // Resolved in sample order, the continuations queue their tokens in sample order.
    for (const resolve of resolvers) resolve?.(true);
  }
}
