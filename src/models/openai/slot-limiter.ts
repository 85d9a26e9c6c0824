/**
 * A limit on requests in flight per endpoint that holds across processes: an `EndpointPool` given
 * one takes a shared slot for every request besides its own, so N workers on N machines never send
 * one vLLM replica more than its `maxInFlightPerEndpoint` together. Type-only; the Redis-backed
 * implementation is `RedisSlotLimiter` (src/queue/redis-limiter.ts).
 */

export interface SlotAcquireOptions {
  /** Slots the endpoint has in all, >= 1 (the pool's `maxInFlight`). */
  limit: number;
  /** Stops waiting; the promise rejects with an `ABORTED` DeliberateError. */
  signal?: AbortSignal;
}

/** Gives a slot back. Only the first call counts. */
export type SlotRelease = () => void;

export interface SlotLimiter {
  /**
   * Takes one of `limit` slots of `url`, waiting while every one is taken. Rejects with `ABORTED`
   * on the signal, or a retryable `UPSTREAM` error when the limiter's own store cannot be reached.
   */
  acquire(url: string, options: SlotAcquireOptions): Promise<SlotRelease>;
}
