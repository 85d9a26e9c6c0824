/**
 * The work one request asks for, known before anything runs: how many completions it samples and
 * how many tokens those may hold, over `n`, the strategy's samples and every call the strategy makes.
 * The server refuses a request whose work is over its limits before it allocates anything, whichever
 * field carries the multiplier (`n`, `deliberate.samples`, `deliberate.options.samples`, `expansions`…):
 * the limit is on the product, not on any one field (red-team review, December 2026, finding 7).
 */
import { DeliberateError } from "../errors.ts";
import { addWork, completions, NO_WORK, scaleWork, type Work } from "../strategies/work.ts";
import type { ChatRequest } from "./chat-request.ts";
import type { ModelRoute } from "./model-route.ts";

/**
 * The most work one run of a request's strategy can ask for, worked out before it runs; throws
 * BAD_REQUEST for options that are invalid. `planRegisteredStrategy` is the registry's.
 */
export type StrategyPlanner = (options: {
  strategy: string;
  request: ChatRequest;
  route: ModelRoute;
}) => Work | Promise<Work>;

export { addWork, completions, NO_WORK, scaleWork, type Work };

/** Limits on the work of one request and of one key's requests in flight. */
export interface WorkLimits {
  /**
   * Most completions one request may sample: `n` × the strategy's samples × every further call it
   * makes (verifier checks, search steps, retries). >= 1. Default 256.
   */
  maxCompletionsPerRequest: number;
  /** Most completion tokens one request may ask for, summed over its completions. >= 1. Default 262 144 (256 × 1024). */
  maxTokensPerRequest: number;
  /** Most completions one key (or keyless client) may have in flight, running or queued. Default 1024. */
  maxCompletionsPerKey: number;
  /** Most completion tokens one key may have in flight. Default 1 048 576. */
  maxTokensPerKey: number;
}

export const DEFAULT_WORK_LIMITS: WorkLimits = {
  maxCompletionsPerRequest: 256,
  maxTokensPerRequest: 256 * 1024,
  // Four requests at the per-request limit: one client cannot take the whole server, a burst of small
  // requests from one client (200 streams of a few hundred tokens) still fits.
  maxCompletionsPerKey: 4 * 256,
  maxTokensPerKey: 4 * 256 * 1024,
};

/**
 * Tokens a completion without `max_tokens` may run to when the backend does not say its context: the
 * llama backend's default context, so such a request is not counted as free.
 */
export const UNKNOWN_CONTEXT_TOKENS = 4096;

/** The smallest context among the route's backends that declare one. */
export function routeContext(route: ModelRoute): number | undefined {
  const sizes = [route.backends.policy, route.backends.large, route.backends.verifier]
    .map((backend) => backend?.capabilities.contextSize)
    .filter((size): size is number => size !== undefined);
  return sizes.length > 0 ? Math.min(...sizes) : undefined;
}

/**
 * `max_tokens` (or `max_completion_tokens`) above the model's context is a 400, as in OpenAI and
 * vLLM: no completion can be that long. Returns the requested value, if any.
 */
export function checkMaxTokens(request: ChatRequest, route: ModelRoute): number | undefined {
  const param = request.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
  const value = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const context = routeContext(route);
  if (value !== undefined && context !== undefined && value > context) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`${param}\` is ${value}, more than the ${context}-token context of \`${route.model}\``,
      { param },
    );
  }
  return value;
}

/** One choice of a plain completion: one sample of `max_tokens` (or the whole context). */
export function plainRunWork(request: ChatRequest, route: ModelRoute): Work {
  const maxTokens = checkMaxTokens(request, route);
  return completions(
    1,
    maxTokens ?? route.backends.policy.capabilities.contextSize ?? UNKNOWN_CONTEXT_TOKENS,
  );
}

/**
 * Refuses work over the per-request limits with a 400 naming the numbers and the field most likely
 * to lower (`param`), e.g. "asks for 1024 completions (`n` 4 × 256 per run of self-consistency)".
 */
export function checkRequestWork(work: Work, perRun: Work, request: ChatRequest, limits: WorkLimits): void {
  const n = request.n ?? 1;
  const strategy = request.deliberate?.strategy;
  const breakdown =
    n > 1 ? ` (\`n\` ${n} × ${perRun.completions} per run${strategy ? ` of ${strategy}` : ""})` : "";
  const over =
    work.completions > limits.maxCompletionsPerRequest
      ? `${work.completions} completions${breakdown}, over this server's limit of ${limits.maxCompletionsPerRequest} per request`
      : work.tokens > limits.maxTokensPerRequest
        ? `up to ${work.tokens} completion tokens${breakdown}, over this server's limit of ${limits.maxTokensPerRequest} per request`
        : undefined;
  if (over === undefined) return;
  const param = multiplierParam(request, perRun);
  throw new DeliberateError(
    "BAD_REQUEST",
    `this request asks for ${over}; lower \`${param}\`${param === "n" ? "" : " or `max_tokens`"}`,
    { param },
  );
}

/** The field that carries the request's largest multiplier, for the error's `param`. */
function multiplierParam(request: ChatRequest, perRun: Work): string {
  const n = request.n ?? 1;
  if (n > 1 && n >= perRun.completions) return "n";
  const options = request.deliberate?.options;
  if (options?.samples !== undefined) return "deliberate.options.samples";
  if (request.deliberate?.samples !== undefined) return "deliberate.samples";
  if (options !== undefined) return "deliberate.options";
  return n > 1 ? "n" : "max_tokens";
}
