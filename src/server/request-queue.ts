import { DeliberateError } from "../errors.ts";

export interface RequestQueueOptions {
  /** Units served at once: requests for the chat server, items for the reward service. */
  concurrency: number;
  /** Requests allowed to wait for a slot; one more gets a RATE_LIMITED error (HTTP 429). */
  maxWaiting: number;
  /** Seconds a rejected client is told to wait (Retry-After). Default 1. */
  retryAfterSeconds?: number;
}

interface Waiter {
  weight: number;
  grant: () => void;
}

/**
 * A bounded FIFO of slots: at most `concurrency` units run, at most `maxWaiting` requests wait, the
 * rest are refused. A request takes one unit by default, or `weight` units (a batch of 256 reward
 * items takes 256), and waits until all of them are free; waiters are served in order, so a large
 * request is never starved by small ones behind it.
 */
export class RequestQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: RequestQueueOptions) {}

  /** Requests waiting for a slot. */
  get depth(): number {
    return this.waiting.length;
  }

  /** Units running now. */
  get active(): number {
    return this.running;
  }

  /** Units one request may take: the concurrency. */
  get capacity(): number {
    return this.options.concurrency;
  }

  /**
   * Waits for `weight` units; returns their release function. Rejects at once when the queue is
   * full, on abort, or (REQUEST_TOO_LARGE) when `weight` exceeds the concurrency, so could never run.
   */
  async acquire(signal?: AbortSignal, weight = 1): Promise<() => void> {
    if (weight > this.options.concurrency) {
      throw new DeliberateError(
        "REQUEST_TOO_LARGE",
        `the request needs ${weight} slots and this server runs ${this.options.concurrency} at once`,
      );
    }
    if (this.waiting.length === 0 && this.running + weight <= this.options.concurrency) {
      this.running += weight;
      return this.releaser(weight);
    }
    if (this.waiting.length >= this.options.maxWaiting) {
      throw new DeliberateError("RATE_LIMITED", "the server is at capacity; retry later", {
        retryable: true,
        retryAfter: this.options.retryAfterSeconds ?? 1,
      });
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        weight,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          this.running += weight;
          resolve(this.releaser(weight));
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new DeliberateError("ABORTED", "the client went away while queued"));
        this.grantWaiters();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Resolves when nothing runs or waits (for draining on shutdown). */
  async idle(pollMs = 20): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  private releaser(weight: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= weight;
      this.grantWaiters();
    };
  }

  /** Starts waiters in order while the one at the head fits. */
  private grantWaiters(): void {
    while (this.waiting.length > 0 && this.running + this.waiting[0]!.weight <= this.options.concurrency) {
      this.waiting.shift()!.grant();
    }
  }
}
