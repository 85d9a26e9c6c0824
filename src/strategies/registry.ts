/**
 * The strategy registry and `solve()`, the one entry point the CLI, the server, the eval harness and
 * users call. Adding a strategy is one `defineStrategy({...})` file and one line in `strategies`.
 */
import { z } from "zod";
import { closestName } from "../did-you-mean.ts";
import { DeliberateError, toDeliberateError } from "../errors.ts";
import { createLedger } from "../run/ledger.ts";
import type { Backends, Budget, Problem } from "../run/types.ts";
import { TraceRecorder } from "../trace/recorder.ts";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import { beam } from "./beam.ts";
import { bestOfN } from "./best-of-n.ts";
import { cascade } from "./cascade.ts";
import { confidenceVote } from "./confidence-vote.ts";
import { cot } from "./cot.ts";
import { dvts } from "./dvts.ts";
import { mcts } from "./mcts.ts";
import { programAided } from "./program-aided.ts";
import { selfConsistency } from "./self-consistency.ts";
import { selfRefine } from "./self-refine.ts";
import { speculativeThinking } from "./speculative-thinking.ts";
import type { AnyStrategy, BackendRole, Solution } from "./types.ts";
import { weightedBestOfN } from "./weighted-best-of-n.ts";

/** The registered strategies; each is keyed by the name it declares. */
const registered = [
  cot,
  selfConsistency,
  confidenceVote,
  bestOfN,
  weightedBestOfN,
  programAided,
  selfRefine,
  beam,
  dvts,
  mcts,
  cascade,
  speculativeThinking,
] as const;

export type RegisteredStrategy = (typeof registered)[number];
export type StrategyName = RegisteredStrategy["name"];
/** The parsed options of a registered strategy. */
export type OptionsOf<Name extends StrategyName> = z.output<
  Extract<RegisteredStrategy, { name: Name }>["options"]
>;

/** The registered strategies, by name. */
export const strategies: Readonly<Record<string, AnyStrategy>> = Object.fromEntries(
  registered.map((strategy) => [strategy.name, strategy as AnyStrategy]),
);

/** A registered strategy by name, or a `BAD_REQUEST` listing the names there are. */
export function strategyDefinition(name: string): AnyStrategy {
  if (!Object.hasOwn(strategies, name)) {
    const known = Object.keys(strategies);
    const hint = closestName(name, known);
    throw new DeliberateError(
      "BAD_REQUEST",
      `unknown strategy \`${name}\`${hint ? `; did you mean \`${hint}\`?` : ""} available: ${known.join(", ")}`,
      { param: "strategy" },
    );
  }
  return strategies[name];
}

/** The backends besides the policy a strategy needs; none for a name that is not a strategy. */
export function requiredRoles(name: string): ReadonlyArray<Exclude<BackendRole, "policy">> {
  return Object.hasOwn(strategies, name) ? strategies[name].roles : [];
}

/** Whether a strategy has the option `key` (a top-level knob such as `samples` goes only where it does). */
export function takesOption(name: string, key: string): boolean {
  if (!Object.hasOwn(strategies, name)) return false;
  const schema = strategies[name].options as { shape?: object };
  return schema.shape !== undefined && key in schema.shape;
}

/**
 * Validates a strategy's options without running it (the server checks a request before queueing
 * it): the same `BAD_REQUEST` a run gives, naming the option (and for a typo the one it meant).
 */
export function parseStrategyOptions(
  strategy: string | AnyStrategy,
  options: unknown,
): Record<string, unknown> {
  const definition = typeof strategy === "string" ? strategyDefinition(strategy) : strategy;
  return parseOrBadRequest(definition.options, options ?? {}, {
    subject: `strategy \`${definition.name}\``,
    param: "options",
  }) as Record<string, unknown>;
}

export interface SolveOptions {
  /** A registered strategy's name, or a strategy made with `defineStrategy`. */
  strategy: string | AnyStrategy;
  /** The strategy's options (validated against its schema). */
  options?: Record<string, unknown>;
  backends: Backends;
  /** Limits on calls, tokens and seconds. Default: none. */
  budget?: Budget;
  /** Base seed for every sample. Default 0. */
  seed?: number;
  signal?: AbortSignal;
  /** Recorder to write the trace into (e.g. to stream it live); default a new one. */
  trace?: TraceRecorder;
  /** Leave the trace open on return (the server finishes a trace shared by `n` solves). Default false. */
  keepTraceOpen?: boolean;
}

/**
 * Solves one problem with a strategy: one ledger for the whole solve (nested strategies and verifiers
 * included), the registry for composition by name, and the trace finished (with the error, if any)
 * on return.
 */
export async function solve(problem: Problem, options: SolveOptions): Promise<Solution> {
  const {
    backends,
    budget = {},
    seed = 0,
    signal,
    trace = new TraceRecorder(),
    keepTraceOpen = false,
  } = options;
  try {
    if (problem.messages.length === 0) {
      throw new DeliberateError("BAD_REQUEST", "the problem has no messages", { param: "messages" });
    }
    const strategy =
      typeof options.strategy === "string" ? strategyDefinition(options.strategy) : options.strategy;
    const ctx = { backends, budget, seed, signal, trace, ledger: createLedger(), lookup: strategyDefinition };
    const solution = await strategy(problem, ctx, options.options);
    if (!keepTraceOpen) trace.finish();
    return solution;
  } catch (error) {
    const failure = toDeliberateError(error);
    if (!keepTraceOpen) trace.finish(failure.message);
    throw failure;
  }
}

/** Each registered strategy's options as JSON Schema (for `deliberate strategies` and the server). */
export function describeStrategies(): Array<{ name: string; description: string; options: unknown }> {
  return Object.values(strategies).map((strategy) => ({
    name: strategy.name,
    description: strategy.description,
    options: z.toJSONSchema(strategy.options, { unrepresentable: "any", io: "input" }),
  }));
}
