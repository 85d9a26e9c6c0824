export interface RateLimiterOptions {
  /** Requests per minute per key; sustained rate. */
  perMinute: number;
  /** Bucket size: how many requests may arrive at once. Default `perMinute`. */
  burst?: number;
}

/** How often full buckets are dropped, ms: a bucket that has refilled holds nothing worth keeping. */
const SWEEP_EVERY_MS = 60_000;

/** A token bucket per API key (or client address when no keys are configured). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweptAt = 0;

  constructor(private readonly options: RateLimiterOptions) {}

  /** Keys with a bucket (refilled ones are dropped now and then, so one per recent client). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `key`; returns 0 when allowed, else the seconds until a token is available. */
  take(key: string, now = Date.now()): number {
    const capacity = this.options.burst ?? this.options.perMinute;
    const perMs = this.options.perMinute / 60_000;
    this.sweep(now, capacity, perMs);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / perMs / 1000);
  }

  /** Drops buckets that are full again: without it every client ever seen (or address spoofed) stays. */
  private sweep(now: number, capacity: number, perMs: number): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * perMs >= capacity) this.buckets.delete(key);
    }
  }
}
