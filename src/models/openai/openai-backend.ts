/**
 * `createOpenAIBackend`: a ModelBackend over any OpenAI-compatible server (vLLM, SGLang,
 * llama-server, Ollama, cloud APIs), one base URL or a pool of them serving the same model.
 *
 * ```ts
 * const backend = createOpenAIBackend({ model: "qwen2.5-1.5b", baseURLs: ["http://gpu1:8000/v1", "http://gpu2:8000/v1"] });
 * const [completion] = await backend.generate({ messages: [{ role: "user", content: "2+2?" }], maxTokens: 16 });
 * ```
 */
import { z } from "zod";
import { DeliberateError } from "../../errors.ts";
import { parseOrBadRequest } from "../../util/parse-or-bad-request.ts";
import type {
  Capabilities,
  Completion,
  GenerateRequest,
  ModelBackend,
  ScoreRequest,
  ScoreResult,
  StreamEvent,
} from "../types.ts";
import type { BackendContext } from "./backend-context.ts";
import { EndpointPool, type EndpointSnapshot } from "./endpoint-pool.ts";
import { generateCompletions } from "./generate-completions.ts";
import type { PrefillMode } from "./request-body.ts";
import { scoreContinuation } from "./score-continuation.ts";
import { streamCompletions } from "./stream-completions.ts";
import { UpstreamClient } from "./upstream-client.ts";

export interface OpenAIBackendOptions {
  /** The upstream's model name, sent as `model`. */
  model: string;
  /** One base URL including the API prefix, e.g. `http://localhost:8000/v1`. Exactly one of `baseURL` / `baseURLs`. */
  baseURL?: string;
  /** Several base URLs serving the same model; requests are spread over them (see EndpointPool). */
  baseURLs?: string[];
  /** Bearer token. Default: a placeholder that local servers ignore (never read from the environment here). */
  apiKey?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Backend id for traces and caches. Default `openai:MODEL@URL` (URLs joined by `,`). */
  id?: string;
  /** Limit per attempt in ms: for `generate` the whole answer, for `stream` the silence between chunks. Default 300_000. */
  timeoutMs?: number;
  /** Retries of a retryable failure (network, 5xx, 429, timeout) after the first attempt, >= 0. Default 3. */
  maxRetries?: number;
  /** Backoff base in ms: retry k waits uniformly up to `retryBaseDelayMs * 2^k`. Default 250. */
  retryBaseDelayMs?: number;
  /** Backoff ceiling in ms. Default 8_000. */
  retryMaxDelayMs?: number;
  /** Longest `Retry-After` honoured in ms; longer ones are cut to this. Default 30_000. */
  maxRetryAfterMs?: number;
  /** Requests one endpoint serves at once, >= 1. Default 8. */
  maxInFlightPerEndpoint?: number;
  /** Consecutive failures that eject an endpoint from a pool, >= 1. Default 3. */
  ejectAfterFailures?: number;
  /** Rest of an ejected endpoint before one probe request may re-admit it, ms. Default 10_000. */
  ejectionCooldownMs?: number;
  /** Leading prompt characters hashed to pick an endpoint (prefix-cache affinity). Default 1024. */
  routingPrefixChars?: number;
  /** Whether the upstream batches `n`; unset: tried on the first n > 1 call and remembered. */
  nativeN?: boolean;
  /** Whether to ask for logprobs; turned off automatically if the upstream rejects or ignores them. Default true. */
  logprobs?: boolean;
  /** Largest `top_logprobs` to ask for. Default 20 (OpenAI's limit). */
  maxTopLogprobs?: number;
  /** Send `top_k` / `min_p` as extra body fields (vLLM, SGLang, llama-server). Default: true, except for api.openai.com. */
  samplingExtensions?: boolean;
  /** Ask for a final usage chunk when streaming. Default true. */
  streamUsage?: boolean;
  /** How `assistantPrefix` is sent. Default `"trailing-message"`. */
  prefill?: PrefillMode;
  /**
   * Offer `score()` through the legacy completions endpoint with `echo: true` (vLLM, SGLang).
   * Default false: OpenAI's current models and llama-server cannot echo logprobs.
   */
  scoring?: boolean;
  /** Context window in tokens, reported in capabilities when known. */
  contextSize?: number;
  /** Random numbers in [0, 1) for backoff jitter and load balancing. Default `Math.random`. */
  random?: () => number;
  /** Clock in ms for the pool's cool-downs (tests move a fake one by hand). Default `Date.now`. */
  now?: () => number;
}

/** A ModelBackend with a view of its pool and an explicit capability probe. */
export interface OpenAIBackend extends ModelBackend {
  /** Health and load of each endpoint. */
  endpoints(): EndpointSnapshot[];
  /** Sends one tiny request (n = 2, 1 token, logprobs) so `capabilities` reflect the upstream. */
  probe(signal?: AbortSignal): Promise<Capabilities>;
}

const optionsSchema = z
  .object({
    model: z.string().min(1),
    baseURL: z.url().optional(),
    baseURLs: z.array(z.url()).min(1).optional(),
    timeoutMs: z.number().int().min(1).optional(),
    maxRetries: z.number().int().min(0).optional(),
    retryBaseDelayMs: z.number().min(0).optional(),
    retryMaxDelayMs: z.number().min(0).optional(),
    maxRetryAfterMs: z.number().min(0).optional(),
    maxInFlightPerEndpoint: z.number().int().min(1).optional(),
    ejectAfterFailures: z.number().int().min(1).optional(),
    ejectionCooldownMs: z.number().min(0).optional(),
    routingPrefixChars: z.number().int().min(0).optional(),
    maxTopLogprobs: z.number().int().min(0).optional(),
    prefill: z.enum(["trailing-message", "continue-final-message"]).optional(),
    contextSize: z.number().int().min(1).optional(),
  })
  .refine((options) => (options.baseURL === undefined) !== (options.baseURLs === undefined), {
    message: "exactly one of `baseURL` or `baseURLs` is required",
    path: ["baseURL"],
  });

export function createOpenAIBackend(options: OpenAIBackendOptions): OpenAIBackend {
  parseOrBadRequest(optionsSchema, options, { subject: "OpenAI backend", param: "options" });
  const urls = (options.baseURLs ?? [options.baseURL!]).map((url) => url.replace(/\/+$/, ""));
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const isOpenAI = urls.every((url) => new URL(url).hostname === "api.openai.com");
  const context: BackendContext = {
    id: options.id ?? `openai:${options.model}@${urls.join(",")}`,
    model: options.model,
    pool: new EndpointPool({
      urls,
      maxInFlight: options.maxInFlightPerEndpoint ?? 8,
      ejectAfterFailures: options.ejectAfterFailures ?? 3,
      cooldownMs: options.ejectionCooldownMs ?? 10_000,
      random,
      now: options.now,
    }),
    // The SDK's own limit is a backstop just past ours, so our Deadline names the cause.
    client: new UpstreamClient({
      apiKey: options.apiKey ?? "no-key",
      headers: options.headers,
      timeoutMs: timeoutMs + 1000,
    }),
    learned: {
      nativeN: options.nativeN,
      logprobs: options.logprobs ?? true,
      samplingExtensions: options.samplingExtensions ?? !isOpenAI,
      streamUsage: options.streamUsage ?? true,
      maxTopLogprobs: options.maxTopLogprobs ?? 20,
      prefill: options.prefill ?? "trailing-message",
    },
    retry: {
      maxRetries: options.maxRetries ?? 3,
      baseDelayMs: options.retryBaseDelayMs ?? 250,
      maxDelayMs: options.retryMaxDelayMs ?? 8_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      random,
    },
    timeoutMs,
    routingPrefixChars: options.routingPrefixChars ?? 1024,
  };
  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new DeliberateError("BAD_REQUEST", `backend ${context.id} is closed`);
  };

  const capabilities = (): Capabilities => {
    const { learned } = context;
    return {
      // Optimistic until the first n > 1 call says otherwise: the fallback is transparent.
      nativeN: learned.nativeN !== false,
      logprobs: learned.logprobs,
      maxTopLogprobs: learned.logprobs ? learned.maxTopLogprobs : 0,
      score: options.scoring === true,
      chatTemplate: true,
      rawPrompt: true,
      prefill: true,
      seed: true,
      topK: learned.samplingExtensions,
      minP: learned.samplingExtensions,
      ...(options.contextSize !== undefined ? { contextSize: options.contextSize } : {}),
    };
  };

  return {
    id: context.id,
    get capabilities(): Capabilities {
      return capabilities();
    },
    async generate(request: GenerateRequest): Promise<Completion[]> {
      ensureOpen();
      return generateCompletions(context, request);
    },
    async *stream(request: GenerateRequest): AsyncGenerator<StreamEvent> {
      ensureOpen();
      yield* streamCompletions(context, request);
    },
    ...(options.scoring
      ? {
          async score(request: ScoreRequest): Promise<ScoreResult> {
            ensureOpen();
            return scoreContinuation(context, request);
          },
        }
      : {}),
    endpoints: () => context.pool.snapshot(),
    async probe(signal?: AbortSignal): Promise<Capabilities> {
      ensureOpen();
      await generateCompletions(context, {
        messages: [{ role: "user", content: "Say OK." }],
        n: 2,
        maxTokens: 1,
        logprobs: 1,
        temperature: 0,
        signal,
      });
      return capabilities();
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
