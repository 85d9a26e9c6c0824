/**
 * `createOpenAIBackend`: a ModelBackend over any OpenAI-compatible server (vLLM, SGLang,
 * llama-server, Ollama, cloud APIs), one base URL or a pool of them serving the same model.
 *
 * ```ts
 * const backend = createOpenAIBackend({ model: "qwen2.5-1.5b", baseURLs: ["http://gpu1:8000/v1", "http://gpu2:8000/v1"] });
 * const [completion] = await backend.generate({ messages: [{ role: "user", content: "2+2?" }], maxTokens: 16 });
 * ```
 */
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
import { type OpenAIBackendOptions, openAIBackendOptionsSchema } from "./openai-backend-options.ts";
import { scoreContinuation } from "./score-continuation.ts";
import { streamCompletions } from "./stream-completions.ts";
import { UpstreamClient } from "./upstream-client.ts";

/** A ModelBackend with a view of its pool and an explicit capability probe. */
export interface OpenAIBackend extends ModelBackend {
  /** Health and load of each endpoint. */
  endpoints(): EndpointSnapshot[];
  /** Sends one tiny request (n = 2, 1 token, logprobs) so `capabilities` reflect the upstream. */
  probe(signal?: AbortSignal): Promise<Capabilities>;
}

export function createOpenAIBackend(options: OpenAIBackendOptions): OpenAIBackend {
  parseOrBadRequest(openAIBackendOptionsSchema, options, { subject: "OpenAI backend", param: "options" });
  const {
    model,
    baseURL,
    baseURLs = [baseURL!],
    apiKey = "no-key",
    headers,
    timeoutMs = 300_000,
    maxRetries = 3,
    retryBaseDelayMs = 250,
    retryMaxDelayMs = 8_000,
    maxRetryAfterMs = 30_000,
    maxInFlightPerEndpoint = 8,
    ejectAfterFailures = 3,
    ejectionCooldownMs = 10_000,
    routingPrefixChars = 1024,
    nativeN,
    logprobs = true,
    maxTopLogprobs = 20,
    streamUsage = true,
    prefill = "trailing-message",
    scoring = false,
    contextSize,
    random = Math.random,
    now,
    slotLimiter,
  } = options;
  const urls = baseURLs.map((url) => url.replace(/\/+$/, ""));
  const isOpenAI = urls.every((url) => new URL(url).hostname === "api.openai.com");
  const { id = `openai:${model}@${urls.join(",")}`, samplingExtensions = !isOpenAI } = options;
  const context: BackendContext = {
    id,
    model,
    pool: new EndpointPool({
      urls,
      maxInFlight: maxInFlightPerEndpoint,
      ejectAfterFailures,
      cooldownMs: ejectionCooldownMs,
      random,
      now,
      limiter: slotLimiter,
    }),
    // The SDK's own limit is a backstop just past ours, so our Deadline names the cause.
    client: new UpstreamClient({ apiKey, headers, timeoutMs: timeoutMs + 1000 }),
    learned: { nativeN, logprobs, samplingExtensions, streamUsage, maxTopLogprobs, prefill },
    retry: {
      maxRetries,
      baseDelayMs: retryBaseDelayMs,
      maxDelayMs: retryMaxDelayMs,
      maxRetryAfterMs,
      random,
    },
    timeoutMs,
    routingPrefixChars,
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
      score: scoring,
      chatTemplate: true,
      rawPrompt: true,
      prefill: true,
      seed: true,
      topK: learned.samplingExtensions,
      minP: learned.samplingExtensions,
      ...(contextSize !== undefined ? { contextSize } : {}),
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
    ...(scoring
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
