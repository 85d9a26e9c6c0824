/**
 * Sampling candidates, the first step of every voting and best-of-N strategy: either plain
 * completions (one call with native `n`, else parallel calls) or runs of an inner strategy.
 */
import { DeliberateError, toDeliberateError } from "../errors.ts";
import type { Completion, GenerateRequest } from "../models/types.ts";
import { readAnswer } from "../run/answers.ts";
import { backendFor, callModel, planSamples } from "../run/call-model.ts";
import { buildMessages } from "../run/prompts.ts";
import { deriveSeed, problemKey } from "../run/seeds.ts";
import type { BackendRole, Problem } from "../run/types.ts";
import type { SamplingSettings } from "./options.ts";
import type { Solution, SolutionCandidate, StrategyContext } from "./types.ts";

/** A sampled candidate as a strategy works with it: the Solution's record plus where it came from. */
export interface Candidate extends SolutionCandidate {
  /** The completion, when sampled directly. */
  completion?: Completion;
  /** The inner strategy's solution, when composed. */
  solution?: Solution;
}

export interface SampleOptions {
  /** Index of the first sample; seeds derive from (ctx.seed, problem, index). */
  start: number;
  /** How many candidates to ask for (the budget may grant fewer). */
  count: number;
  sampling: SamplingSettings;
  /** Which backend samples. Default `policy`. */
  role?: Exclude<BackendRole, "verifier">;
  /**
   * Why the calls are made, for the trace: `step` for partial continuations, whose candidates carry
   * no answer (`answer` and `key` null: a step's answer is read from the whole solution, and reading
   * it from every step cost ~0.1 ms each, half of MCTS's time outside model calls). Default `sample`.
   */
  purpose?: "sample" | "step";
  /** Ask for per-token logprobs with this many top alternatives. */
  logprobs?: number;
  /** Run this registered strategy per sample instead of one completion. */
  inner?: string;
  innerOptions?: Record<string, unknown>;
  /** Extra request fields (stop strings, prefill). */
  request?: Partial<GenerateRequest>;
}

/**
 * Samples up to `count` candidates in parallel. Calls refused by the budget are dropped as long as at
 * least one candidate comes back; an abort always propagates. Failed and aborted completions are not
 * candidates.
 */
export async function sampleCandidates(
  problem: Problem,
  ctx: StrategyContext,
  options: SampleOptions,
): Promise<Candidate[]> {
  const {
    start,
    count,
    sampling,
    logprobs,
    inner,
    innerOptions,
    role = "policy",
    purpose = "sample",
  } = options;
  const id = problemKey(problem);
  if (inner) {
    const runs = Array.from({ length: count }, (_, i) =>
      ctx.run(inner, problem, innerOptions, {
        seed: deriveSeed({ runSeed: ctx.seed, problemId: id, index: start + i, stream: "inner" }),
        // An inner strategy samples with its policy: here, the backend of the role asked for.
        ...(role === "policy" ? {} : { backends: { ...ctx.backends, policy: backendFor(ctx, role) } }),
      }),
    );
    return (await settle(runs)).map(({ index, value }) => fromSolution(start + index, role, value));
  }

  const request = {
    messages: buildMessages(problem),
    temperature: sampling.temperature,
    topP: sampling.topP,
    maxTokens: sampling.maxTokens,
    logprobs,
    ...options.request,
  };
  const seed = (index: number) => deriveSeed({ runSeed: ctx.seed, problemId: id, index });
  const native = backendFor(ctx, role).capabilities.nativeN;
  // Separate calls each reserve their worst case: plan how many fit the budget, and how long.
  const plan = native ? { n: count, maxTokens: request.maxTokens } : planSamples(ctx, request, count, role);
  const calls = native
    ? [callModel(ctx, { role, purpose, request: { ...request, n: count, seed: seed(start) }, sample: start })]
    : Array.from({ length: plan.n }, (_, i) =>
        callModel(ctx, {
          role,
          purpose,
          request: { ...request, n: 1, maxTokens: plan.maxTokens, seed: seed(start + i) },
          sample: start + i,
        }),
      );
  const completions = (await settle(calls)).flatMap(({ index, value }) =>
    value.completions.map((completion) => ({
      completion,
      index: native ? start + completion.index : start + index,
    })),
  );
  return completions
    .filter(({ completion }) => completion.finishReason !== "error" && completion.finishReason !== "abort")
    .map(({ completion, index }) =>
      purpose === "step"
        ? // The candidate of an empty text has no answer; the step's own text is put back after.
          { ...fromCompletion(problem, index, role, completion, ""), text: completion.text }
        : fromCompletion(problem, index, role, completion),
    );
}

/** A completion as a candidate: its answer read once, its usage and finish reason kept. */
export function fromCompletion(
  problem: Problem,
  index: number,
  role: BackendRole,
  completion: Completion,
  text: string = completion.text,
): Candidate {
  return {
    index,
    role,
    text,
    ...readAnswer(problem, text),
    finishReason: completion.finishReason,
    usage: {
      promptTokens: completion.usage.promptTokens,
      completionTokens: completion.usage.completionTokens,
    },
    completion,
  };
}

/** An inner strategy's solution as a candidate, with the usage of all its calls. */
export function fromSolution(index: number, role: BackendRole, solution: Solution): Candidate {
  const usage = { promptTokens: 0, completionTokens: 0 };
  for (const spent of Object.values(solution.usage)) {
    usage.promptTokens += spent.promptTokens;
    usage.completionTokens += spent.completionTokens;
  }
  return { index, role, text: solution.text, answer: solution.answer, key: solution.key, usage, solution };
}

/** The Solution's record of a candidate: without the completion or inner solution it came from. */
export function evidence(candidate: Candidate, score?: number): SolutionCandidate {
  const { completion: _completion, solution: _solution, ...record } = candidate;
  return score === undefined ? record : { ...record, score };
}

/**
 * Waits for all; aborts win, then the first failure if nothing succeeded. Results keep their
 * position so sample indices stay right.
 */
export async function settle<T>(promises: Promise<T>[]): Promise<Array<{ index: number; value: T }>> {
  const results = await Promise.allSettled(promises);
  const failures = results.flatMap((r) => (r.status === "rejected" ? [toDeliberateError(r.reason)] : []));
  const aborted = failures.find((f) => f.code === "ABORTED");
  if (aborted) throw aborted;
  const values = results.flatMap((r, index) => (r.status === "fulfilled" ? [{ index, value: r.value }] : []));
  if (values.length === 0) {
    throw failures[0] ?? new DeliberateError("INTERNAL", "no samples were requested");
  }
  return values;
}
