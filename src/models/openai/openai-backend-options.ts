/**
 * `createOpenAIBackend`'s options, stated once: the zod schema checks them at the boundary, the type
 * is its `z.infer`, and `deliberate.config.yaml`'s `openai:` entries pick the fields a file may set
 * (`openAIEndpointFields`), so the three cannot drift apart.
 */
import { z } from "zod";
import type { PrefillMode } from "./request-body.ts";
import type { SlotLimiter } from "./slot-limiter.ts";

const numberSource = z.custom<() => number>((value) => typeof value === "function", {
  message: "must be a function returning a number",
});

const slotLimiter = z.custom<SlotLimiter>(
  (value) => typeof (value as SlotLimiter | null)?.acquire === "function",
  { message: "must have an `acquire(url, options)` method" },
);

const prefillModes = ["trailing-message", "continue-final-message"] as const satisfies readonly PrefillMode[];

/** The options' fields, without the rule that joins `baseURL` and `baseURLs` (see `exactlyOneBaseURL`). */
const openAIBackendFields = z.object({
  /** The upstream's model name, sent as `model`. */
  model: z.string().min(1),
  /** One base URL including the API prefix, e.g. `http://localhost:8000/v1`. Exactly one of `baseURL` / `baseURLs`. */
  baseURL: z.url().optional(),
  /** Several base URLs serving the same model; requests are spread over them (see EndpointPool). */
  baseURLs: z.array(z.url()).min(1).optional(),
  /** Bearer token. Default: a placeholder that local servers ignore (never read from the environment here). */
  apiKey: z.string().optional(),
  /** Extra headers on every request. */
  headers: z.record(z.string(), z.string()).optional(),
  /** Backend id for traces and caches. Default `openai:MODEL@URL` (URLs joined by `,`). */
  id: z.string().min(1).optional(),
  /** Limit per attempt in ms: for `generate` the whole answer, for `stream` the silence between chunks. Default 300_000. */
  timeoutMs: z.number().int().min(1).optional(),
  /** Retries of a retryable failure (network, 5xx, 429, timeout) after the first attempt, >= 0. Default 3. */
  maxRetries: z.number().int().min(0).optional(),
  /** Backoff base in ms: retry k waits uniformly up to `retryBaseDelayMs * 2^k`. Default 250. */
  retryBaseDelayMs: z.number().min(0).optional(),
  /** Backoff ceiling in ms. Default 8_000. */
  retryMaxDelayMs: z.number().min(0).optional(),
  /** Longest `Retry-After` honoured in ms; longer ones are cut to this. Default 30_000. */
  maxRetryAfterMs: z.number().min(0).optional(),
  /** Requests one endpoint serves at once, >= 1. Default 8. */
  maxInFlightPerEndpoint: z.number().int().min(1).optional(),
  /** Consecutive failures that eject an endpoint from a pool, >= 1. Default 3. */
  ejectAfterFailures: z.number().int().min(1).optional(),
  /** Rest of an ejected endpoint before one probe request may re-admit it, ms. Default 10_000. */
  ejectionCooldownMs: z.number().min(0).optional(),
  /** Leading prompt characters hashed to pick an endpoint (prefix-cache affinity). Default 1024. */
  routingPrefixChars: z.number().int().min(0).optional(),
  /** Whether the upstream batches `n`; unset: tried on the first n > 1 call and remembered. */
  nativeN: z.boolean().optional(),
  /** Whether to ask for logprobs; turned off automatically if the upstream rejects or ignores them. Default true. */
  logprobs: z.boolean().optional(),
  /** Largest `top_logprobs` to ask for. Default 20 (OpenAI's limit). */
  maxTopLogprobs: z.number().int().min(0).optional(),
  /** Send `top_k` / `min_p` as extra body fields (vLLM, SGLang, llama-server). Default: true, except for api.openai.com. */
  samplingExtensions: z.boolean().optional(),
  /** Ask for a final usage chunk when streaming. Default true. */
  streamUsage: z.boolean().optional(),
  /** How `assistantPrefix` is sent. Default `"trailing-message"`. */
  prefill: z.enum(prefillModes).optional(),
  /**
   * Offer `score()` through the legacy completions endpoint with `echo: true` (vLLM, SGLang).
   * Default false: OpenAI's current models and llama-server cannot echo logprobs.
   */
  scoring: z.boolean().optional(),
  /** Context window in tokens, reported in capabilities when known. */
  contextSize: z.number().int().min(1).optional(),
  /** Random numbers in [0, 1) for backoff jitter and load balancing. Default `Math.random`. */
  random: numberSource.optional(),
  /** Clock in ms for the pool's cool-downs (tests move a fake one by hand). Default `Date.now`. */
  now: numberSource.optional(),
  /**
   * Makes `maxInFlightPerEndpoint` hold across processes (distributed workers install a
   * Redis-backed one). Default: none, the limit is this backend's alone.
   */
  slotLimiter: slotLimiter.optional(),
});

/** The rule joining `baseURL` and `baseURLs`, for every schema built from `openAIBackendFields`. */
export function exactlyOneBaseURL(options: { baseURL?: string; baseURLs?: string[] }): boolean {
  return (options.baseURL === undefined) !== (options.baseURLs === undefined);
}

export const exactlyOneBaseURLMessage = {
  message: "give exactly one of `baseURL` or `baseURLs`",
  path: ["baseURL"],
};

export const openAIBackendOptionsSchema = openAIBackendFields.refine(
  exactlyOneBaseURL,
  exactlyOneBaseURLMessage,
);

export type OpenAIBackendOptions = z.infer<typeof openAIBackendOptionsSchema>;

/** The endpoint settings a config file may give (the rest are code-only: functions, ids, probes). */
export const openAIEndpointFields = openAIBackendFields.pick({
  model: true,
  baseURL: true,
  baseURLs: true,
  timeoutMs: true,
  maxRetries: true,
  maxInFlightPerEndpoint: true,
});
