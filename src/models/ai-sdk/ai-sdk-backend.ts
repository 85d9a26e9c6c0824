/**
 * `aiSdkBackend(model)`: any AI SDK `LanguageModelV3` (OpenAI, Anthropic, Google, Bedrock, Ollama…)
 * as a deliberate `ModelBackend`, so strategies, the eval harness and the server run over it.
 *
 * The V3 spec has no `n`: `n` samples are `n` parallel `doGenerate` (or `doStream`) calls, sample `i`
 * with `seed + i` as every backend does. No logprobs unless a `LogprobsAdapter` says how the provider
 * returns them, no `score()`, no prefill unless the provider continues an assistant message. What a
 * call cannot carry is in the completion's `warnings`. An aborted request resolves with `abort`
 * completions; the abort signal reaches every call as `abortSignal`.
 *
 * ```ts
 * import { openai } from "@ai-sdk/openai";
 * const policy = aiSdkBackend(openai("gpt-4o-mini"), { logprobs: openaiLogprobs });
 * await solve(problem, { strategy: "confidence-vote", backends: { policy } });
 * ```
 *
 * Imports `@ai-sdk/provider` for types only: nothing here loads the AI SDK at run time.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
  SharedV3Warning,
} from "@ai-sdk/provider";
import { mergeStreams } from "../openai/merge-streams.ts";
import { type RetryPolicy, retryDelayMs, sleep } from "../openai/retry-policy.ts";
import { parseGenerateRequest, type ValidGenerateRequest } from "../request-schema.ts";
import type { Capabilities, Completion, GenerateRequest, ModelBackend, StreamEvent } from "../types.ts";
import { type CallOptionsSettings, toCallOptions } from "./call-options.ts";
import type { LogprobsAdapter } from "./logprobs-adapter.ts";
import {
  contentText,
  emptyCompletion,
  isAbortError,
  mapFinishReason,
  mapUsage,
  providerError,
  warningText,
} from "./map-result.ts";

export interface AiSdkBackendOptions {
  /** The backend's id in traces, caches and usage. Default `ai-sdk:PROVIDER:MODEL_ID`. */
  id?: string;
  /**
   * Fields every call carries, under the request's own: `providerOptions`, `headers`. (The
   * middleware passes the caller's here.) Default none.
   */
  callOptions?: Partial<Omit<LanguageModelV3CallOptions, "prompt">>;
  /** How this provider returns logprobs (e.g. `openaiLogprobs`). Default none: no `logprobs` capability. */
  logprobs?: LogprobsAdapter;
  /**
   * The provider continues a trailing assistant message (Anthropic does), so `assistantPrefix` is
   * honoured and step-search strategies can run. Default false.
   */
  prefill?: boolean;
  /** The provider honours `seed` reproducibly. Default false (most treat it as best effort). */
  seed?: boolean;
  /** Context window in tokens, when known. */
  contextSize?: number;
  /**
   * Retries of a sample whose call failed retryably (429, 5xx: the provider's `isRetryable`), with
   * jittered backoff or the provider's `Retry-After`. Each sample's own `doGenerate` bypasses the
   * AI SDK's retries, so they are here. Default: 2 retries, from 0.5 s up to 8 s.
   */
  retry?: Partial<RetryPolicy>;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  random: Math.random,
};

/** One sample's outcome, from `doGenerate` or a whole `doStream`. */
interface SampleOutput {
  content: readonly LanguageModelV3Content[];
  finishReason: LanguageModelV3FinishReason;
  usage: LanguageModelV3Usage;
  providerMetadata?: SharedV3ProviderMetadata;
  warnings: readonly SharedV3Warning[];
}

export class AiSdkBackend implements ModelBackend {
  readonly id: string;
  readonly capabilities: Capabilities;
  private readonly settings: CallOptionsSettings;
  private readonly retry: RetryPolicy;

  constructor(
    readonly model: LanguageModelV3,
    private readonly options: AiSdkBackendOptions = {},
  ) {
    this.id = options.id ?? `ai-sdk:${model.provider}:${model.modelId}`;
    const { logprobs, prefill = false } = options;
    this.settings = { base: options.callOptions, logprobs, prefill };
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.capabilities = {
      nativeN: false,
      logprobs: logprobs !== undefined,
      maxTopLogprobs: logprobs?.maxTopLogprobs ?? 0,
      score: false,
      chatTemplate: true,
      rawPrompt: false,
      prefill,
      seed: options.seed ?? false,
      // `topK` is a V3 call option (providers without it warn); `minP` is not.
      topK: true,
      minP: false,
      ...(options.contextSize === undefined ? {} : { contextSize: options.contextSize }),
    };
  }

  async generate(request: GenerateRequest): Promise<Completion[]> {
    const valid = parseGenerateRequest(request);
    const startedAt = performance.now();
    const indices = Array.from({ length: valid.n ?? 1 }, (_, i) => i);
    const settled = await Promise.allSettled(indices.map((index) => this.generateSample(valid, index)));
    const failures = settled.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    // One failed sample is an `error` completion beside its siblings; all failed is the call failing.
    if (failures.length === settled.length) throw failures[0];
    return settled.map((result, index) =>
      result.status === "fulfilled"
        ? result.value
        : emptyCompletion(index, this.id, startedAt, { finishReason: "error", error: result.reason.message }),
    );
  }

  async *stream(request: GenerateRequest): AsyncIterable<StreamEvent> {
    const valid = parseGenerateRequest(request);
    const indices = Array.from({ length: valid.n ?? 1 }, (_, i) => i);
    yield* mergeStreams(indices.map((index) => this.streamSample(valid, index)));
  }

  async close(): Promise<void> {}

  private async generateSample(request: ValidGenerateRequest, index: number): Promise<Completion> {
    const startedAt = performance.now();
    const seed = sampleSeed(request.seed, index);
    if (request.signal?.aborted)
      return emptyCompletion(index, this.id, startedAt, { finishReason: "abort" }, seed);
    const call = toCallOptions(request, seed, this.settings);
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.model.doGenerate(call.options);
        return this.completion(request, index, seed, result, call.warnings, startedAt);
      } catch (error) {
        if (isAbortError(error, request.signal)) {
          return emptyCompletion(index, this.id, startedAt, { finishReason: "abort" }, seed);
        }
        const failure = providerError(error, this.id);
        if (!failure.retryable || attempt >= this.retry.maxRetries) throw failure;
        const delay = retryDelayMs(attempt, failure.retryAfter, this.retry);
        try {
          await sleep(delay, request.signal);
        } catch {
          return emptyCompletion(index, this.id, startedAt, { finishReason: "abort" }, seed);
        }
      }
    }
  }

  /** One sample through `doStream`: text deltas as they come, then the finished completion. */
  private async *streamSample(request: ValidGenerateRequest, index: number): AsyncGenerator<StreamEvent> {
    const startedAt = performance.now();
    const seed = sampleSeed(request.seed, index);
    const aborted = () => emptyCompletion(index, this.id, startedAt, { finishReason: "abort" }, seed);
    if (request.signal?.aborted) {
      yield { type: "done", completion: aborted() };
      return;
    }
    const call = toCallOptions(request, seed, this.settings);
    let text = "";
    let reasoning = "";
    let firstTokenMs: number | undefined;
    const output: Partial<SampleOutput> & { warnings: SharedV3Warning[] } = { warnings: [] };
    let failure: unknown;
    let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart> | undefined;
    try {
      reader = (await this.model.doStream(call.options)).stream.getReader();
      for (;;) {
        const { done, value: part } = await reader.read();
        if (done) break;
        if (part.type === "text-delta") {
          text += part.delta;
          firstTokenMs ??= performance.now() - startedAt;
          yield { type: "delta", index, text: part.delta };
        } else if (part.type === "reasoning-delta") reasoning += part.delta;
        else if (part.type === "stream-start") output.warnings.push(...part.warnings);
        else if (part.type === "finish") {
          output.finishReason = part.finishReason;
          output.usage = part.usage;
          output.providerMetadata = part.providerMetadata;
        } else if (part.type === "error") failure = part.error;
      }
    } catch (error) {
      failure = error;
    } finally {
      // Stopped early by the consumer, or failed: the provider's stream is not read any further.
      reader?.cancel().catch(() => undefined);
    }
    const abort =
      failure === undefined
        ? request.signal?.aborted === true && output.finishReason === undefined
        : isAbortError(failure, request.signal);
    if (abort) {
      yield { type: "done", completion: { ...aborted(), text } };
      return;
    }
    if (failure !== undefined || output.finishReason === undefined || output.usage === undefined) {
      const error = providerError(failure ?? "the stream ended without a finish part", this.id);
      yield {
        type: "done",
        completion: emptyCompletion(
          index,
          this.id,
          startedAt,
          { finishReason: "error", error: error.message },
          seed,
        ),
      };
      return;
    }
    const content: LanguageModelV3Content[] = [{ type: "text", text }];
    if (reasoning !== "") content.push({ type: "reasoning", text: reasoning });
    const finished = { ...output, content, finishReason: output.finishReason, usage: output.usage };
    yield {
      type: "done",
      completion: this.completion(request, index, seed, finished, call.warnings, startedAt, firstTokenMs),
    };
  }

  private completion(
    request: ValidGenerateRequest,
    index: number,
    seed: number | undefined,
    output: SampleOutput,
    callWarnings: string[],
    startedAt: number,
    firstTokenMs?: number,
  ): Completion {
    const { finishReason, rawFinishReason, error } = mapFinishReason(output.finishReason);
    const logprobs =
      request.logprobs === undefined ? undefined : this.settings.logprobs?.read(output.providerMetadata);
    const warnings = [...callWarnings, ...output.warnings.map(warningText)];
    if (request.logprobs !== undefined && this.settings.logprobs && !logprobs) {
      warnings.push("`logprobs` were asked but the provider returned none");
    }
    return {
      index,
      ...contentText(output.content),
      finishReason,
      rawFinishReason,
      usage: mapUsage(output.usage),
      ...(logprobs ? { logprobs } : {}),
      timings: {
        totalMs: performance.now() - startedAt,
        ...(firstTokenMs === undefined ? {} : { firstTokenMs }),
      },
      backend: this.id,
      ...(seed === undefined ? {} : { seed }),
      ...(warnings.length > 0 ? { warnings } : {}),
      ...(error === undefined ? {} : { error }),
    };
  }
}

/** The seed of sample `index`: `seed + index`, so each sample differs but reproduces. */
function sampleSeed(seed: number | undefined, index: number): number | undefined {
  return seed === undefined ? undefined : seed + index;
}

/** An AI SDK model as a `ModelBackend` (see `AiSdkBackend`). */
export function aiSdkBackend(model: LanguageModelV3, options: AiSdkBackendOptions = {}): AiSdkBackend {
  return new AiSdkBackend(model, options);
}
