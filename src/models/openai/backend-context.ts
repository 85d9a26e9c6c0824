/**
 * What one OpenAI-compatible backend shares between its generate and stream paths.
 */
import { DeliberateError } from "../../errors.ts";
import type { Completion, GenerateRequest } from "../types.ts";
import type { CallWithRetriesOptions } from "./call-with-retries.ts";
import type { EndpointPool } from "./endpoint-pool.ts";
import type { LearnedFeatures } from "./learned-features.ts";
import { routingKey } from "./prefix-hash.ts";
import type { RetryPolicy } from "./retry-policy.ts";
import type { UpstreamClient } from "./upstream-client.ts";

export interface BackendContext {
  id: string;
  model: string;
  pool: EndpointPool;
  client: UpstreamClient;
  /** Mutable: what the upstream turned out to support. */
  learned: LearnedFeatures;
  retry: RetryPolicy;
  timeoutMs: number;
  routingPrefixChars: number;
}

export function retryOptions(context: BackendContext, request: GenerateRequest): CallWithRetriesOptions {
  return {
    pool: context.pool,
    key: routingKey(request, context.routingPrefixChars),
    retry: context.retry,
    timeoutMs: context.timeoutMs,
    signal: request.signal,
  };
}

/** The seed of sample `index`: `seed + index`, so each sample differs but reproduces. */
export function sampleSeed(seed: number | undefined, index: number): number | undefined {
  return seed === undefined ? undefined : seed + index;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** A sample that failed for good, when its siblings did not. */
export function failedCompletion(
  index: number,
  error: unknown,
  backend: string,
  startedAt: number,
): Completion {
  const message = error instanceof Error ? error.message : String(error);
  const isAbort = DeliberateError.isInstance(error) && error.code === "ABORTED";
  return {
    index,
    text: "",
    finishReason: isAbort ? "abort" : "error",
    usage: { promptTokens: 0, completionTokens: 0 },
    timings: { totalMs: performance.now() - startedAt },
    backend,
    ...(isAbort ? {} : { error: message }),
  };
}

export function isAbort(error: unknown): boolean {
  return DeliberateError.isInstance(error) && error.code === "ABORTED";
}
