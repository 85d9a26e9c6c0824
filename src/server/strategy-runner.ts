import { runNamed, strategies, takesOption } from "../strategies/index.ts";
import { createLedger } from "../strategies/ledger.ts";
import type { StrategyRunner } from "./chat-completions.ts";
import type { ChatRequest } from "./chat-request.ts";

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

/**
 * Runs a registered strategy for one chat request with `strategyOptionsOf(request)`; each choice
 * has its own usage ledger and shares the request's trace.
 */
export const runRegisteredStrategy: StrategyRunner = ({
  strategy,
  messages,
  route,
  request,
  seed,
  trace,
  signal,
}) => {
  const options = strategyOptionsOf(request, strategy);
  return runNamed(
    strategy,
    { messages },
    {
      backends: route.backends,
      budget: request.deliberate?.budget ?? {},
      seed,
      signal,
      trace,
      ledger: createLedger(),
    },
    options,
  );
};
