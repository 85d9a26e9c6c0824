/**
 * The strategy registry and `solve()`, the one entry point the CLI, server and eval harness use.
 *
 * Adding a strategy is one line in `strategies`: `name: defineStrategy({ description, options, run })`
 * where `options` is the zod schema of its options (with `.describe()` on every field: the CLI's
 * `deliberate strategies` lists them) and `run` the `Strategy` function. Strategies compose by name
 * through the `inner` option (see `inner.ts`).
 */
import { z } from "zod";
import { closestName } from "../did-you-mean.ts";
import { DeliberateError, toDeliberateError } from "../errors.ts";
import { TraceRecorder } from "../trace/recorder.ts";
import { beam, beamOptions } from "./beam.ts";
import { bestOfN, bestOfNOptions } from "./best-of-n.ts";
import { cascade, cascadeOptions } from "./cascade.ts";
import { confidenceVote, confidenceVoteOptions } from "./confidence-vote.ts";
import { cot, cotOptions } from "./cot.ts";
import { dvts, dvtsOptions } from "./dvts.ts";
import { createLedger } from "./ledger.ts";
import { programAided, programAidedOptions } from "./program-aided.ts";
import { selfConsistency, selfConsistencyOptions } from "./self-consistency.ts";
import { selfRefine, selfRefineOptions } from "./self-refine.ts";
import { speculativeThinking, speculativeThinkingOptions } from "./speculative-thinking.ts";
import type { Backends, Budget, Problem, Solution, Strategy, StrategyContext } from "./types.ts";
import { weightedBestOfN, weightedBestOfNOptions } from "./weighted-best-of-n.ts";

export interface StrategyDefinition<Schema extends z.ZodType = z.ZodType> {
  /** One line for `deliberate strategies`. */
  description: string;
  /** The options' schema: parsed (defaults applied) before every run. */
  options: Schema;
  /** Backends besides the policy it cannot run without (the server and the eval grid read this). */
  roles?: ReadonlyArray<"large" | "verifier">;
  run: Strategy<z.input<Schema>>;
}

/** Ties a schema to its strategy function with the types checked. */
export function defineStrategy<Schema extends z.ZodType>(definition: StrategyDefinition<Schema>) {
  return definition;
}

export const strategies = {
  cot: defineStrategy({
    description: "One chain of thought; optional thinking budget with budget forcing.",
    options: cotOptions,
    run: cot,
  }),
  "self-consistency": defineStrategy({
    description:
      "Sample N reasoning paths in parallel batches and take the majority answer; adaptive stopping.",
    options: selfConsistencyOptions,
    run: selfConsistency,
  }),
  "confidence-vote": defineStrategy({
    description: "DeepConf: drop low-confidence traces (token logprobs) and vote weighted by confidence.",
    options: confidenceVoteOptions,
    run: confidenceVote,
  }),
  "best-of-n": defineStrategy({
    description: "Sample N candidates, score each with a verifier, answer with the best one.",
    options: bestOfNOptions,
    run: bestOfN,
  }),
  "weighted-best-of-n": defineStrategy({
    description: "Sample N candidates, sum verifier scores per answer, answer with the heaviest.",
    options: weightedBestOfNOptions,
    run: weightedBestOfN,
  }),
  "program-aided": defineStrategy({
    description: "PAL/PoT: the model writes a program, the sandbox runs it; errors go back for a retry.",
    options: programAidedOptions,
    run: programAided,
  }),
  "self-refine": defineStrategy({
    description: "Answer, get feedback (self-critique, a verifier or tests), revise until it passes.",
    options: selfRefineOptions,
    run: selfRefine,
  }),
  beam: defineStrategy({
    description: "Step-level beam search: K continuations per kept trace, a step verifier keeps the top B.",
    options: beamOptions,
    run: beam,
  }),
  dvts: defineStrategy({
    description: "Diverse Verifier Tree Search: N/B independent step-search subtrees, best leaf overall.",
    options: dvtsOptions,
    run: dvts,
  }),
  cascade: defineStrategy({
    description: "Small model votes first; escalate to the `large` backend when agreement is below τ.",
    options: cascadeOptions,
    roles: ["large"],
    run: cascade,
  }),
  "speculative-thinking": defineStrategy({
    description:
      'The small model reasons; at reflection points ("Wait", "Hmm"…) the large model writes the step.',
    options: speculativeThinkingOptions,
    roles: ["large"],
    run: speculativeThinking,
  }),
} satisfies Record<string, StrategyDefinition<z.ZodType>>;

export type StrategyName = keyof typeof strategies;

/** The definition of a registered strategy, or a `BAD_REQUEST` listing the names there are. */
export function strategyDefinition(name: string): StrategyDefinition {
  if (!Object.hasOwn(strategies, name)) {
    const known = Object.keys(strategies);
    const hint = closestName(name, known);
    throw new DeliberateError(
      "BAD_REQUEST",
      `unknown strategy \`${name}\`${hint ? `; did you mean \`${hint}\`?` : ""} available: ${known.join(", ")}`,
      { param: "strategy" },
    );
  }
  return strategies[name as StrategyName] as unknown as StrategyDefinition;
}

/**
 * Validates a strategy's options, naming the offending option in the error; an unknown one (a typo)
 * names the option it most likely meant: `strategy \`self-consistency\`: unknown option \`sample\`;
 * did you mean \`samples\`?`, with `param` the unknown option's path.
 */
/** The backends besides the policy a strategy needs; none for a name that is not a strategy. */
export function requiredRoles(name: string): ReadonlyArray<"large" | "verifier"> {
  return Object.hasOwn(strategies, name)
    ? ((strategies as Record<string, StrategyDefinition>)[name]!.roles ?? [])
    : [];
}

/** Whether a strategy has the option `key` (a top-level knob such as `samples` goes only where it does). */
export function takesOption(name: string, key: string): boolean {
  if (!Object.hasOwn(strategies, name)) return false;
  const schema = (strategies as Record<string, StrategyDefinition>)[name]!.options as { shape?: object };
  return schema.shape !== undefined && key in schema.shape;
}

export function parseStrategyOptions(name: string, options: unknown): Record<string, unknown> {
  const parsed = strategyDefinition(name).options.safeParse(options ?? {});
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const issue = parsed.error.issues[0];
  const where = issue.path.join(".");
  const param =
    issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]].join(".") : where || "options";
  const subject = where ? `strategy \`${name}\` option \`${where}\`` : `strategy \`${name}\``;
  throw new DeliberateError("BAD_REQUEST", `${subject}: ${issue.message}`, { param });
}

/** Runs a registered strategy by name in an existing context (composition, the eval harness). */
export function runNamed(
  name: string,
  problem: Problem,
  ctx: StrategyContext,
  options: Record<string, unknown> = {},
): Promise<Solution> {
  const definition = strategyDefinition(name);
  return definition.run(problem, ctx, parseStrategyOptions(name, options));
}

export interface SolveOptions {
  /** A name from `strategies`. */
  strategy: string;
  /** The strategy's options (validated against its schema). */
  options?: Record<string, unknown>;
  backends: Backends;
  /** Limits on calls, tokens and seconds. Default: none. */
  budget?: Budget;
  /** Base seed for every sample. Default 0. */
  seed?: number;
  signal?: AbortSignal;
  /** Recorder to write the trace into (e.g. to stream it live); default a new one. Finished on return. */
  trace?: TraceRecorder;
}

/** Solves one problem with a named strategy; the trace is finished (with the error, if any) on return. */
export async function solve(problem: Problem, options: SolveOptions): Promise<Solution> {
  const { strategy, backends, budget = {}, seed = 0, signal, trace = new TraceRecorder() } = options;
  try {
    if (problem.messages.length === 0) {
      throw new DeliberateError("BAD_REQUEST", "the problem has no messages", { param: "messages" });
    }
    const ctx: StrategyContext = { backends, budget, seed, signal, trace, ledger: createLedger() };
    const solution = await runNamed(strategy, problem, ctx, options.options);
    trace.finish();
    return solution;
  } catch (error) {
    const failure = toDeliberateError(error);
    trace.finish(failure.message);
    throw failure;
  }
}

/** Each registered strategy's options as JSON Schema (for `deliberate strategies` and the server). */
export function describeStrategies(): Array<{ name: string; description: string; options: unknown }> {
  return Object.entries(strategies).map(([name, definition]) => ({
    name,
    description: definition.description,
    options: z.toJSONSchema(definition.options, { unrepresentable: "any", io: "input" }),
  }));
}

export { callModel, scoreModel } from "./call-model.ts";
export { runStrategy, type StrategyOutcome } from "./run-strategy.ts";
export type { Candidate } from "./sample.ts";
export { sampleCandidates } from "./sample.ts";
export { deriveSeed, problemKey } from "./seeds.ts";
export { type StoppingRule, shouldStop } from "./stopping.ts";
export { recordVote, vote } from "./voting.ts";
