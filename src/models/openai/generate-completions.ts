/**
 * `generate()`: n completions in one call where the upstream batches `n`, otherwise (or when it
 * turns out not to) one call per sample with `seed + i`. Aborts resolve as `abort` completions.
 */
import { DeliberateError } from "../../errors.ts";
import { parseGenerateRequest } from "../request-schema.ts";
import type { Completion, GenerateRequest } from "../types.ts";
import {
  type BackendContext,
  failedCompletion,
  isAbort,
  range,
  retryOptions,
  sampleSeed,
} from "./backend-context.ts";
import { abortedCompletions, buildCompletions } from "./build-completions.ts";
import { callWithRetries } from "./call-with-retries.ts";
import { currentFeatures, disable, rejectedFeature } from "./learned-features.ts";
import { parseAnswer } from "./parse-answer.ts";
import { buildUpstreamCall } from "./request-body.ts";

export async function generateCompletions(
  context: BackendContext,
  request: GenerateRequest,
): Promise<Completion[]> {
  parseGenerateRequest(request);
  const n = request.n ?? 1;
  const startedAt = performance.now();
  if (request.signal?.aborted) return abortedCompletions(range(0, n), context.id, startedAt);
  try {
    let got: Completion[] = [];
    if (n === 1 || context.learned.nativeN !== false) {
      got = await callOnce(context, request, n, 0);
      // Fewer choices than asked: the upstream ignores `n` (Ollama) or rejected it; sample the rest one by one.
      if (n > 1) context.learned.nativeN = got.length >= n;
      if (got.length >= n) return got.slice(0, n);
    }
    return [...got, ...(await fanOut(context, request, got.length, n))];
  } catch (error) {
    if (isAbort(error)) return abortedCompletions(range(0, n), context.id, startedAt);
    throw error;
  }
}

/**
 * One upstream call asking `n` choices, as completions numbered from `firstIndex`. Features the
 * upstream rejects by name are turned off and the call repeated; a rejected `n` yields no choices.
 */
async function callOnce(
  context: BackendContext,
  request: GenerateRequest,
  n: number,
  firstIndex: number,
): Promise<Completion[]> {
  const startedAt = performance.now();
  const seed = sampleSeed(request.seed, firstIndex);
  for (;;) {
    const call = buildUpstreamCall(request, {
      model: context.model,
      n,
      seed,
      stream: false,
      features: currentFeatures(context.learned),
    });
    try {
      const { value, url } = await callWithRetries(retryOptions(context, request), async (url, deadline) =>
        parseAnswer(call.api, await context.client.post(url, call, deadline)),
      );
      const warnings = [...call.warnings];
      if (call.body.logprobs !== undefined && value.choices.some((choice) => !choice.logprobs)) {
        disable(context.learned, "logprobs");
        warnings.push("`logprobs` were asked but this endpoint returned none");
      }
      return buildCompletions(value.choices, value.usage, {
        backend: context.id,
        endpoint: url,
        firstIndex,
        seed,
        seedPerChoice: false,
        warnings,
        startedAt,
      });
    } catch (error) {
      const feature = DeliberateError.isInstance(error) ? rejectedFeature(error, call.body) : null;
      if (feature === null) throw error;
      disable(context.learned, feature);
      if (feature === "nativeN") return [];
    }
  }
}

/** Samples `from..to-1` as separate calls; one failed sample is an `error` completion, all failed rejects. */
async function fanOut(context: BackendContext, request: GenerateRequest, from: number, to: number) {
  const startedAt = performance.now();
  const indices = range(from, to);
  if (indices.length === 0) return [];
  const settled = await Promise.allSettled(indices.map((index) => callOnce(context, request, 1, index)));
  const failures = settled.flatMap((result) =>
    result.status === "rejected" && !isAbort(result.reason) ? [result.reason] : [],
  );
  if (failures.length === settled.length) throw failures[0];
  return settled.map((result, i) => {
    if (result.status === "rejected")
      return failedCompletion(indices[i], result.reason, context.id, startedAt);
    const [completion] = result.value;
    return (
      completion ?? failedCompletion(indices[i], "the upstream answered no choice", context.id, startedAt)
    );
  });
}
