/**
 * One AI SDK call as one solve: the prompt becomes the problem, the call's knobs go to the strategy
 * options that have them (as the server does with `temperature` and `max_tokens`), and the settings
 * a strategy cannot honour become V3 warnings.
 */
import type { LanguageModelV3CallOptions, SharedV3Warning } from "@ai-sdk/provider";
import { DeliberateError } from "../../errors.ts";
import { fromV3Prompt } from "../../models/ai-sdk/v3-prompt.ts";
import { strategyDefinition } from "../../strategies/registry.ts";
import type { AnyStrategy, Backends, Budget, Problem } from "../../strategies/types.ts";
import { checkCapabilities } from "./check-capabilities.ts";

/** The strategy part of a model: what runs on every call. */
export interface StrategyRun {
  /** A registered strategy's name (`self-consistency`, `cascade`…) or a `defineStrategy` object. */
  strategy: string | AnyStrategy;
  /** The strategy's options; they win over the call's `temperature`, `topP` and `maxOutputTokens`. */
  options?: Record<string, unknown>;
  /** Limits on calls, tokens and seconds for each call's whole solve. Default: none. */
  budget?: Budget;
  /** Base seed when the call sets none. Default 0. */
  seed?: number;
}

export interface PreparedRun {
  problem: Problem;
  strategy: AnyStrategy;
  options: Record<string, unknown>;
  seed: number;
  warnings: SharedV3Warning[];
}

/** Call settings a strategy run has no place for. */
const IGNORED_SETTINGS = ["presencePenalty", "frequencyPenalty", "topK", "stopSequences"] as const;

export function prepareRun(
  params: LanguageModelV3CallOptions,
  run: StrategyRun,
  backends: Backends,
): PreparedRun {
  const strategy = typeof run.strategy === "string" ? strategyDefinition(run.strategy) : run.strategy;
  const { messages, dropped } = fromV3Prompt(params.prompt);
  if (!messages.some((m) => m.role === "user")) {
    throw new DeliberateError("BAD_REQUEST", "the prompt has no user text to answer", { param: "prompt" });
  }
  const warnings: SharedV3Warning[] = dropped.map((what) => ({
    type: "unsupported",
    feature: what,
    details: "deliberate strategies read text only; these were left out of the question",
  }));
  const knobs: Record<string, unknown> = {
    temperature: params.temperature,
    topP: params.topP,
    maxTokens: params.maxOutputTokens,
  };
  const taken = Object.entries(knobs).filter(([key, value]) => value !== undefined && takes(strategy, key));
  for (const [key, value] of Object.entries(knobs)) {
    if (value !== undefined && !takes(strategy, key)) warnings.push(unsupported(key, strategy.name));
  }
  for (const key of IGNORED_SETTINGS)
    if (params[key] !== undefined) warnings.push(unsupported(key, strategy.name));
  if (params.tools?.length) warnings.push(unsupported("tools", strategy.name));
  if (params.responseFormat?.type === "json") warnings.push(unsupported("responseFormat", strategy.name));
  const options = { ...Object.fromEntries(taken), ...run.options };
  checkCapabilities(strategy, options, backends);
  return { problem: { messages }, strategy, options, seed: params.seed ?? run.seed ?? 0, warnings };
}

function unsupported(feature: string, strategy: string): SharedV3Warning {
  return { type: "unsupported", feature, details: `strategy \`${strategy}\` does not use it` };
}

/** Whether the strategy has the option `key` (its options schema is a zod object). */
function takes(strategy: AnyStrategy, key: string): boolean {
  const shape = (strategy.options as { shape?: object }).shape;
  return shape !== undefined && key in shape;
}
