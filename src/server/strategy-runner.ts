import { runNamed, strategies } from "../strategies/index.ts";
import { createLedger } from "../strategies/ledger.ts";
import type { StrategyRunner } from "./chat-completions.ts";
import type { ChatRequest } from "./chat-request.ts";

/** Names the server accepts as `STRATEGY/MODEL` prefixes. */
export const strategyNames: readonly string[] = Object.keys(strategies);

/**
 * A request's strategy options: its knobs (`deliberate.samples`, `temperature`, `max_tokens`) with
 * `deliberate.options` on top. The runner runs with them and the server's work check bounds them.
 */
export function strategyOptionsOf(request: ChatRequest): Record<string, unknown> {
  return {
    ...(request.deliberate?.samples !== undefined ? { samples: request.deliberate.samples } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...((request.max_completion_tokens ?? request.max_tokens)
      ? { maxTokens: request.max_completion_tokens ?? request.max_tokens }
      : {}),
    ...request.deliberate?.options,
  };
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
  const options = strategyOptionsOf(request);
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
