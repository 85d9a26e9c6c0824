/**
 * Sampling candidates, the first step of every voting and best-of-N strategy: either plain
 * completions (one call with native `n`, else parallel calls) or runs of an inner strategy.
 */
import { DeliberateError, toDeliberateError } from "../errors.ts";
import type { Completion, GenerateRequest } from "../models/types.ts";
import { readAnswer } from "./answers.ts";
import { backendFor, callModel, planSamples } from "./call-model.ts";
import { runInner } from "./inner.ts";
import type { SamplingSettings } from "./options.ts";
import { buildMessages } from "./prompts.ts";
import { deriveSeed, problemKey } from "./seeds.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";

export interface Candidate {
  /** Sample index within the strategy (the seed derives from it). */
  index: number;
  text: string;
  answer: string | null;
  key: string | null;
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
 * least one candidate comes back; an abort always propagates.
 */
export async function sampleCandidates(
  problem: Problem,
  ctx: StrategyContext,
  options: SampleOptions,
): Promise<Candidate[]> {
  const { start, count, sampling, logprobs, inner, innerOptions } = options;
  const id = problemKey(problem);
  if (inner) {
    const runs = Array.from({ length: count }, (_, i) =>
      runInner(inner, innerOptions, problem, {
        ...ctx,
        seed: deriveSeed({ runSeed: ctx.seed, problemId: id, index: start + i, stream: "inner" }),
      }),
    );
    return (await settle(runs)).map(({ index, value }) => ({
      index: start + index,
      text: value.text,
      answer: value.answer,
      key: value.key,
      solution: value,
    }));
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
  const native = backendFor(ctx, "policy").capabilities.nativeN;
  // Separate calls each reserve their worst case: plan how many fit the budget, and how long.
  const plan = native ? { n: count, maxTokens: request.maxTokens } : planSamples(ctx, request, count);
  const calls = native
    ? [callModel(ctx, { request: { ...request, n: count, seed: seed(start) }, label: { sample: start } })]
    : Array.from({ length: plan.n }, (_, i) =>
        callModel(ctx, {
          request: { ...request, n: 1, maxTokens: plan.maxTokens, seed: seed(start + i) },
          label: { sample: start + i },
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
    .map(({ completion, index }) => ({
      index,
      text: completion.text,
      completion,
      ...readAnswer(problem, completion.text),
    }));
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
