export interface RateLimiterOptions {
  /** Requests per minute per key; sustained rate. */
  perMinute: number;
  /** Bucket size: how many requests may arrive at once. Default `perMinute`. */
  burst?: number;
}

/** A token bucket per API key (or client address when no keys are configured). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly options: RateLimiterOptions) {}

  /** Takes one token for `key`; returns 0 when allowed, else the seconds until a token is available. */
  take(key: string, now = Date.now()): number {
    const capacity = this.options.burst ?? this.options.perMinute;
    const perMs = this.options.perMinute / 60_000;
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
}
