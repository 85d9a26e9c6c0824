import { DeliberateError } from "../errors.ts";

export interface RequestQueueOptions {
  /** Requests served at once. */
  concurrency: number;
  /** Requests allowed to wait for a slot; one more gets a RATE_LIMITED error (HTTP 429). */
  maxWaiting: number;
  /** Seconds a rejected client is told to wait (Retry-After). Default 1. */
  retryAfterSeconds?: number;
}

/** A bounded FIFO of request slots: at most `concurrency` run, at most `maxWaiting` wait, the rest are refused. */
export class RequestQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: RequestQueueOptions) {}

  get depth(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  /** Waits for a slot; returns its release function. Rejects at once when the queue is full or on abort. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return this.releaser();
    }
    if (this.waiting.length >= this.options.maxWaiting) {
      throw new DeliberateError("RATE_LIMITED", "the server is at capacity; retry later", {
        retryable: true,
        retryAfter: this.options.retryAfterSeconds ?? 1,
      });
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        this.running++;
        resolve(this.releaser());
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new DeliberateError("ABORTED", "the client went away while queued"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  /** Resolves when nothing runs or waits (for draining on shutdown). */
  async idle(pollMs = 20): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.waiting.shift()?.();
    };
  }
}
