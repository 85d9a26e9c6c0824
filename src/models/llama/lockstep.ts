/**
 * Makes the n samples of one call step together: each takes its next step only once every sample
 * still running is ready for its own, and the steps start in sample order.
 *
 * Why: node-llama-cpp batches whatever sequences have queued a token when it dispatches, in the
 * order they queued. Left alone, that is the order in which their previous tokens happened to
 * finish sampling on the thread pool, so under CPU load the batches of the same call came out with
 * other members and another order from run to run — and llama.cpp's logits depend (in the last
 * bits) on a batch's members and order, enough to change a sampled token now and then. Out of
 * sequence-id order, the batch's outputs also come back permuted, and node-llama-cpp 3.21.1's
 * concurrent samplers race on llama.cpp's lazy reordering of them (see the regression tests in
 * `test/models/llama/batch-order.test.ts`). In lockstep, step t's batch is exactly the samples
 * still running at step t, in sample order: a function of the request, whatever the load.
 */
interface Waiting {
  step: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class Lockstep {
  /** Samples ready for their next step, by index. */
  private readonly waiting = new Map<number, Waiting>();
  private readonly running = new Set<number>();

  constructor(samples: number) {
    for (let index = 0; index < samples; index++) this.running.add(index);
  }

  /**
   * Runs `step` for sample `index` once every running sample is ready, all of them started in
   * sample order in one go; resolves with its result, or `undefined` when the sample left first.
   */
  take<T>(index: number, step: () => Promise<T>): Promise<T | undefined> {
    if (!this.running.has(index)) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      this.waiting.set(index, { step, resolve: resolve as (value: unknown) => void, reject });
      this.startIfAllReady();
    });
  }

  /** A sample that takes no more steps (finished, failed or aborted). */
  leave(index: number): void {
    if (!this.running.delete(index)) return;
    this.waiting.get(index)?.resolve(undefined);
    this.waiting.delete(index);
    this.startIfAllReady();
  }

  private startIfAllReady(): void {
    if (this.waiting.size === 0 || this.waiting.size < this.running.size) return;
    const ready = [...this.waiting.entries()].sort(([a], [b]) => a - b);
    this.waiting.clear();
    // Started here, synchronously and in order (not in promise reactions, whose order would depend
    // on which sample happened to be ready last), so the tokens queue in sample order.
    for (const [, { step, resolve, reject }] of ready) {
      try {
        resolve(step());
      } catch (error) {
        reject(error);
      }
    }
  }
}
