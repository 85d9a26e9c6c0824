/**
 * Connecting to and letting go of Redis without hanging. ioredis retries a missing server
 * forever, and BullMQ's objects built on a connection that never came up can wait forever to
 * close; so a coordinator or worker first makes sure Redis answers, with a clear error naming the
 * URL when it does not, and bounds every close.
 */
import { Redis } from "ioredis";
import { DeliberateError } from "../errors.ts";
import { redact } from "./redis-url.ts";

/** How long connecting may take before giving up, ms. */
const connectTimeoutMs = 15_000;

/** How long one close may take before it is given up on, ms. */
const closeTimeoutMs = 5_000;

/**
 * A client that has answered PING. Commands fail after 3 reconnection attempts rather than queue
 * forever. Rejects with a retryable UPSTREAM error naming the URL (password hidden).
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  // Failures surface through the commands that fail; an 'error' event without a listener would crash.
  // The last one says why better than the command's own failure ("max retries reached").
  let lastError: Error | undefined;
  redis.on("error", (error: Error) => {
    lastError = error;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer in ${connectTimeoutMs / 1000} s`)),
          connectTimeoutMs,
        );
      }),
    ]);
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new DeliberateError(
      "UPSTREAM",
      `cannot reach Redis at ${redact(url)}: ${(lastError ?? (error as Error)).message}`,
      {
        retryable: true,
        cause: error,
      },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every close at once; one still running after `closeTimeoutMs` is left behind. */
export async function closeAll(closers: Array<() => Promise<unknown> | unknown>): Promise<void> {
  await Promise.all(
    closers.map((close) => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        Promise.resolve()
          .then(close)
          .catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, closeTimeoutMs);
          timer.unref();
        }),
      ]).finally(() => clearTimeout(timer));
    }),
  );
}
