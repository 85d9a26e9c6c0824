/**
 * One logical upstream call: lease an endpoint from the pool, open the call under a deadline,
 * and retry retryable failures on (preferably) another endpoint after a backoff. The lease is held
 * until `finish()`, so a stream occupies its endpoint slot for as long as it is read.
 */
import { DeliberateError } from "../../errors.ts";
import { Deadline } from "./deadline.ts";
import type { EndpointPool } from "./endpoint-pool.ts";
import { type RetryPolicy, retryDelayMs, sleep } from "./retry-policy.ts";
import { leaseOutcome, toUpstreamError } from "./upstream-error.ts";

export interface CallWithRetriesOptions {
  pool: EndpointPool;
  /** Routing key (the prompt's leading part). */
  key: string;
  retry: RetryPolicy;
  /** Time limit of each attempt, ms (for streams: of the silence between chunks). */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface OpenedCall<T> {
  value: T;
  url: string;
  deadline: Deadline;
  /** Releases the endpoint, recording success or the given failure; returns that failure mapped. Idempotent. */
  finish(error?: unknown): DeliberateError | undefined;
}

/** Opens a call, retrying failures of `open` (which may read the whole answer or just its headers). */
export async function openWithRetries<T>(
  options: CallWithRetriesOptions,
  open: (url: string, deadline: Deadline) => Promise<T>,
): Promise<OpenedCall<T>> {
  const { pool, key, retry, timeoutMs, signal } = options;
  const tried = new Set<string>();
  for (let attempt = 0; ; attempt++) {
    let error: DeliberateError;
    try {
      const lease = await pool.acquire(key, { avoid: tried, signal });
      const deadline = new Deadline(timeoutMs, signal);
      let finished = false;
      const finish = (failure?: unknown) => {
        const mapped = failure === undefined ? undefined : toUpstreamError(failure, lease.url, deadline);
        if (!finished) {
          finished = true;
          deadline.dispose();
          lease.release(mapped ? leaseOutcome(mapped) : "success");
        }
        return mapped;
      };
      try {
        const value = await open(lease.url, deadline);
        return { value, url: lease.url, deadline, finish };
      } catch (thrown) {
        error = finish(thrown)!;
        tried.add(lease.url);
      }
    } catch (thrown) {
      error = toUpstreamError(thrown, "the endpoint pool");
    }
    if (signal?.aborted) throw new DeliberateError("ABORTED", "the request was aborted", { cause: error });
    if (!error.retryable || attempt >= retry.maxRetries) throw error;
    await sleep(retryDelayMs(attempt, error.retryAfter, retry), signal);
  }
}

/** A call whose `attempt` reads the whole answer; the endpoint is released when it resolves. */
export async function callWithRetries<T>(
  options: CallWithRetriesOptions,
  attempt: (url: string, deadline: Deadline) => Promise<T>,
): Promise<{ value: T; url: string }> {
  const opened = await openWithRetries(options, attempt);
  opened.finish();
  return { value: opened.value, url: opened.url };
}
