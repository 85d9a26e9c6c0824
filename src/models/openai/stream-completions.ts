/**
 * `stream()`: deltas as they arrive, then one `done` per sample. Native `n` streams all samples in one
 * call; otherwise samples fan out as parallel calls merged in arrival order. Retries happen only
 * before the first chunk; a stream that breaks later ends its samples with `error` (the text so far kept).
 */
import { DeliberateError } from "../../errors.ts";
import { parseGenerateRequest } from "../request-schema.ts";
import type { GenerateRequest, StreamEvent } from "../types.ts";
import {
  type BackendContext,
  failedCompletion,
  isAbort,
  range,
  retryOptions,
  sampleSeed,
} from "./backend-context.ts";
import { abortedCompletions, buildCompletions, type UpstreamChoice } from "./build-completions.ts";
import { openWithRetries } from "./call-with-retries.ts";
import { currentFeatures, disable, rejectedFeature } from "./learned-features.ts";
import { mergeStreams } from "./merge-streams.ts";
import { parseChunk } from "./parse-answer.ts";
import { buildUpstreamCall } from "./request-body.ts";
import type { UpstreamUsage } from "./upstream-schema.ts";

export async function* streamCompletions(
  context: BackendContext,
  request: GenerateRequest,
): AsyncGenerator<StreamEvent> {
  parseGenerateRequest(request);
  const n = request.n ?? 1;
  const startedAt = performance.now();
  if (request.signal?.aborted) {
    for (const completion of abortedCompletions(range(0, n), context.id, startedAt))
      yield { type: "done", completion };
    return;
  }
  let covered = 0;
  if (n === 1 || context.learned.nativeN !== false) {
    for await (const event of streamCall(context, request, n, 0)) {
      if (event.type === "done") covered++;
      yield event;
    }
    if (n > 1 && covered > 0) context.learned.nativeN = covered >= n;
  }
  if (covered >= n) return;
  // Sub-streams share a signal so that a consumer who stops reading also stops the upstream calls.
  const controller = new AbortController();
  const stop = () => controller.abort();
  request.signal?.addEventListener("abort", stop, { once: true });
  try {
    const sample = { ...request, signal: controller.signal };
    yield* mergeStreams(range(covered, n).map((index) => guardedSample(context, sample, index)));
  } finally {
    request.signal?.removeEventListener("abort", stop);
    controller.abort();
  }
}

/** One fan-out sample whose failure to start becomes its `done` event instead of ending every stream. */
async function* guardedSample(context: BackendContext, request: GenerateRequest, index: number) {
  const startedAt = performance.now();
  try {
    yield* streamCall(context, request, 1, index);
  } catch (error) {
    yield { type: "done" as const, completion: failedCompletion(index, error, context.id, startedAt) };
  }
}

interface Accumulated extends UpstreamChoice {
  finished: boolean;
}

/**
 * One streaming upstream call for `n` choices numbered from `firstIndex`. Throws only before the
 * first event (unreachable, rejected); a rejected native `n` yields nothing so the caller fans out.
 */
async function* streamCall(
  context: BackendContext,
  request: GenerateRequest,
  n: number,
  firstIndex: number,
): AsyncGenerator<StreamEvent> {
  const startedAt = performance.now();
  const seed = sampleSeed(request.seed, firstIndex);
  const options = retryOptions(context, request);
  let call = buildUpstreamCall(request, {
    model: context.model,
    n,
    seed,
    stream: true,
    features: currentFeatures(context.learned),
  });
  let opened: Awaited<ReturnType<typeof openWithRetries<AsyncIterable<unknown>>>>;
  for (;;) {
    try {
      opened = await openWithRetries(options, (url, deadline) =>
        context.client.openStream(url, call, deadline),
      );
      break;
    } catch (error) {
      if (isAbort(error)) {
        for (const completion of abortedCompletions(
          range(firstIndex, firstIndex + n),
          context.id,
          startedAt,
        )) {
          yield { type: "done", completion };
        }
        return;
      }
      const feature = DeliberateError.isInstance(error) ? rejectedFeature(error, call.body) : null;
      if (feature === null) throw error;
      disable(context.learned, feature);
      if (feature === "nativeN") return;
      call = buildUpstreamCall(request, {
        model: context.model,
        n,
        seed,
        stream: true,
        features: currentFeatures(context.learned),
      });
    }
  }

  const choices = new Map<number, Accumulated>();
  const choice = (i: number) => {
    let entry = choices.get(i);
    if (!entry) {
      entry = { text: "", tokenCount: 0, finished: false };
      choices.set(i, entry);
    }
    return entry;
  };
  let usage: UpstreamUsage;
  let firstTokenAt: number | undefined;
  let failure: DeliberateError | undefined;
  let completed = false;
  try {
    for await (const raw of opened.value) {
      opened.deadline.touch();
      const chunk = parseChunk(call.api, raw);
      if (chunk.usage) usage = chunk.usage;
      for (const part of chunk.parts) {
        const entry = choice(part.index);
        if (part.reasoning) entry.reasoning = (entry.reasoning ?? "") + part.reasoning;
        if (part.logprobs?.length) entry.logprobs = [...(entry.logprobs ?? []), ...part.logprobs];
        if (part.text || part.logprobs?.length) {
          firstTokenAt ??= performance.now();
          entry.text += part.text;
          entry.tokenCount = (entry.tokenCount ?? 0) + (part.logprobs?.length || 1);
          const logprobs = part.logprobs?.length ? { logprobs: part.logprobs } : {};
          yield { type: "delta", index: firstIndex + part.index, text: part.text, ...logprobs };
        }
        if (part.finishReason) {
          entry.rawFinishReason = part.finishReason;
          entry.finished = true;
        }
      }
    }
    completed = true;
  } catch (error) {
    failure = opened.finish(error);
  } finally {
    // The consumer stopped reading early: end the upstream request and free the slot.
    if (!completed && failure === undefined) {
      opened.deadline.abort();
      opened.finish(new DeliberateError("ABORTED", "the stream's reader stopped"));
    }
  }

  // The SDK ends a stream quietly when its signal fires, so a timeout or an abort shows up here.
  const aborted = request.signal?.aborted === true;
  if (!failure && opened.deadline.timedOut) {
    failure = opened.finish(
      new DeliberateError("TIMEOUT", `${opened.url} sent nothing for ${context.timeoutMs} ms`),
    );
  }
  const ended = failure !== undefined || aborted;
  const indices = ended ? range(0, n) : [...choices.keys()].sort((a, b) => a - b);
  const finals = indices.map((i) => {
    const entry = choice(i);
    if (entry.finished) return entry;
    if (aborted) return { ...entry, aborted: true };
    return { ...entry, error: failure?.message ?? `${opened.url} ended the stream before a finish reason` };
  });
  opened.finish(aborted ? new DeliberateError("ABORTED", "the request was aborted") : undefined);
  const warnings = [...call.warnings];
  if (call.body.logprobs !== undefined && finals.some((entry) => entry.finished && !entry.logprobs)) {
    disable(context.learned, "logprobs");
    warnings.push("`logprobs` were asked but this endpoint returned none");
  }
  const completions = buildCompletions(finals, usage, {
    backend: context.id,
    endpoint: opened.url,
    firstIndex,
    seed,
    seedPerChoice: false,
    warnings,
    startedAt,
    firstTokenAt,
  });
  for (const completion of completions) yield { type: "done", completion };
}
