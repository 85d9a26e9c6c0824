/**
 * When to try an upstream call again: jittered exponential backoff, or the server's own
 * `Retry-After` (capped, so a misbehaving proxy cannot park us for an hour).
 */
import { DeliberateError } from "../../errors.ts";

export interface RetryPolicy {
  /** Retries after the first attempt, >= 0. */
  maxRetries: number;
  /** Backoff before retry k is uniform in [0, min(maxDelayMs, baseDelayMs * 2^k)] ("full jitter"), ms. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest `Retry-After` honoured, ms; longer ones wait this long. */
  maxRetryAfterMs: number;
  /** Random numbers in [0, 1). */
  random: () => number;
}

/** Milliseconds to wait before retry number `attempt` (0-based), given the server's Retry-After in seconds. */
export function retryDelayMs(
  attempt: number,
  retryAfterSeconds: number | undefined,
  policy: RetryPolicy,
): number {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds)) {
    return Math.min(policy.maxRetryAfterMs, Math.max(0, retryAfterSeconds * 1000));
  }
  // Full jitter spreads retries of many clients hit by the same outage (AWS architecture blog, 2015).
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return policy.random() * ceiling;
}

/**
 * Seconds to wait from `retry-after-ms` (OpenAI, vLLM router), `Retry-After` as seconds (fractions
 * accepted) or as an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number.parseFloat(ms))) return Number.parseFloat(ms) / 1000;
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number.parseFloat(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Resolves after `ms`, or rejects with ABORTED as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(new DeliberateError("ABORTED", "the request was aborted while waiting to retry"));
    };
    if (signal?.aborted) return abort();
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, { once: true });
  });
}
