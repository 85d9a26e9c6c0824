/**
 * How the server runs a strategy for one chat request: `solve()` with the request's options, its
 * budget and the route's backends. Each of the `n` choices is its own solve (its own ledger) writing
 * into the request's shared trace, which the handler finishes.
 */
import type { ChatMessage } from "../models/types.ts";
import { solve, strategies, takesOption } from "../strategies/index.ts";
import type { Solution } from "../strategies/types.ts";
import type { TraceRecorder } from "../trace/recorder.ts";
import type { ChatRequest } from "./chat-request.ts";
import type { ModelRoute } from "./model-route.ts";

/** Runs one strategy; the server's only dependency on the strategies layer. */
export type StrategyRunner = (options: {
  strategy: string;
  messages: ChatMessage[];
  route: ModelRoute;
  request: ChatRequest;
  seed: number;
  trace: TraceRecorder;
  signal: AbortSignal;
}) => Promise<Solution>;

/** Names the server accepts as `STRATEGY/MODEL` prefixes. */
export const strategyNames: readonly string[] = Object.keys(strategies);

/**
 * A request's strategy options: its knobs (`deliberate.samples`, `temperature`, `max_tokens`) with
 * `deliberate.options` on top. The runner runs with them and the server's work check bounds them.
 */
export function strategyOptionsOf(request: ChatRequest, strategy: string): Record<string, unknown> {
  // The request's top-level knobs go to the strategies that have them (`cot` has no `samples`);
  // `deliberate.options` go as written, so a typo there is an error naming it.
  const knobs: Record<string, unknown> = {
    samples: request.deliberate?.samples,
    temperature: request.temperature,
    maxTokens: (request.max_completion_tokens ?? request.max_tokens) || undefined,
  };
  const taken = Object.entries(knobs).filter(
    ([key, value]) => value !== undefined && value !== null && takesOption(strategy, key),
  );
  return { ...Object.fromEntries(taken), ...request.deliberate?.options };
}

/** Runs a registered strategy for one chat request with `strategyOptionsOf(request)`. */
export const runRegisteredStrategy: StrategyRunner = ({
  strategy,
  messages,
  route,
  request,
  seed,
  trace,
  signal,
}) =>
  solve(
    { messages },
    {
      strategy,
      options: strategyOptionsOf(request, strategy),
      backends: route.backends,
      budget: request.deliberate?.budget ?? {},
      seed,
      signal,
      trace,
      keepTraceOpen: true,
    },
  );
