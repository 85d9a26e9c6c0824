/**
 * A push-to-pull bridge: producers push events while samples run, a `for await` loop pulls them.
 * Unbounded on purpose: events are small and a generation's count is bounded by its tokens.
 */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiting: (() => void) | undefined;
  private finished = false;
  private failure: { error: unknown } | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  /** No more items; the iterator ends after draining. */
  end(): void {
    this.finished = true;
    this.wake();
  }

  /** The iterator throws `error` after draining what was pushed before. */
  fail(error: unknown): void {
    this.failure = { error };
    this.end();
  }

  async *drain(): AsyncGenerator<T, void, undefined> {
    while (true) {
      while (this.items.length > 0) yield this.items.shift() as T;
      if (this.failure) throw this.failure.error;
      if (this.finished) return;
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
