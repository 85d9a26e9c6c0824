/**
 * Step-level search over partial reasoning traces, the engine under `beam` and `dvts` (the
 * search-and-learn recipe; Snell et al., 2024, arXiv:2408.03314). A step ends at a step break
 * ("\n\n"): each kept trace is continued by prefilling it as the assistant's reply and sampling up to
 * the next break (stop string); a step verifier scores every partial trace; the best are kept. A
 * trace is finished when its step writes the answer, the model ends, or the depth runs out (the last
 * step runs to the end without a break).
 */
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import type { Completion } from "../models/types.ts";
import { readAnswer } from "../run/answers.ts";
import { isBudgetError } from "../run/budget.ts";
import { backendFor } from "../run/call-model.ts";
import { taskKind } from "../run/prompts.ts";
import type { BackendRole, Problem, RunContext } from "../run/types.ts";
import { verifierSchema } from "../verifiers/index.ts";
import type { Verifier } from "../verifiers/types.ts";
import { verify } from "../verifiers/verify.ts";
import { samplingShape } from "./options.ts";
import { sampleCandidates, settle } from "./sample.ts";
import type { SolutionCandidate, StrategyContext } from "./types.ts";
import { addWork, completions, scaleWork, VERIFY, type Work } from "./work.ts";

/** Options `beam` and `dvts` share. */
export const stepSearchShape = {
  ...samplingShape(0.8),
  maxTokens: samplingShape(0.8).maxTokens.describe(
    "Most tokens of the final step, which runs to the end of the solution. Default 1024.",
  ),
  stepTokens: z
    .number()
    .int()
    .positive()
    .default(256)
    .describe("Most tokens per step; `maxTokens` bounds the final step. Default 256."),
  maxDepth: z
    .number()
    .int()
    .min(1)
    .default(8)
    .describe("Most steps per trace; the last runs to the end without a step break. Default 8."),
  stepBreak: z.string().min(1).default("\n\n").describe('What ends a step. Default "\\n\\n".'),
  verifier: z
    .union([z.literal("step-judge"), verifierSchema])
    .default("step-judge")
    .describe(
      "Scores partial traces: `step-judge` (PRM-style P(Yes) on the steps so far, default) or any verifier.",
    ),
};

export interface PartialTrace {
  /** Sequence number within the search, for the trace's expand/prune records. */
  id: number;
  /** The reasoning so far, step breaks included. */
  text: string;
  /** The step verifier's score of `text`, in [0, 1]. */
  score: number;
  depth: number;
  finished: boolean;
  /** Tokens spent on this trace's steps, its ancestors' included. */
  usage: { promptTokens: number; completionTokens: number };
}

export interface StepSearchOptions {
  sampling: { temperature: number; topP?: number; maxTokens: number };
  stepTokens: number;
  maxDepth: number;
  stepBreak: string;
  verifier: Verifier;
  /** Traces kept after each step (the beam width); the root is expanded `keep * expansions` ways. */
  keep: number;
  /** Continuations sampled per kept trace at each step. */
  expansions: number;
  /** Added to every decision this search records (e.g. `{ subtree: 2 }`). */
  label?: Record<string, number>;
}

export interface StepSearchResult {
  /** The highest-scoring finished trace, else the highest-scoring unfinished one. */
  best: PartialTrace;
  /** The traces `best` was chosen from: the finished ones, else the unfinished last beams. */
  leaves: PartialTrace[];
  depth: number;
  /** Why the search ended. */
  stopped: string;
}

/** Markers that a step wrote the final answer, per task kind ("" = none: rely on the model ending). */
export const ANSWER_MARKERS = {
  math: "\\boxed{",
  choice: "\\boxed{",
  text: "Final answer:",
  code: "",
} as const;

export async function stepSearch(
  problem: Problem,
  ctx: StrategyContext,
  options: StepSearchOptions,
): Promise<StepSearchResult> {
  const { sampling, stepTokens, maxDepth, stepBreak, verifier, keep, expansions, label } = options;
  requirePrefill(ctx, "policy", "step search continues partial traces");
  const marker = ANSWER_MARKERS[taskKind(problem)];
  let beams: PartialTrace[] = [
    { id: 0, text: "", score: 0, depth: 0, finished: false, usage: { promptTokens: 0, completionTokens: 0 } },
  ];
  const leaves: PartialTrace[] = [];
  let nextId = 1;
  let sample = 0;
  let depth = 0;
  let stopped = "every trace finished";
  while (beams.length > 0 && leaves.length < keep) {
    if (depth >= maxDepth) {
      stopped = `reached the maximum depth of ${maxDepth}`;
      break;
    }
    depth++;
    const last = depth === maxDepth;
    const per = depth === 1 ? keep * expansions : expansions;
    ctx.trace.record(
      "decision",
      "expand",
      { facts: { depth, beams: beams.map(({ id, score }) => ({ id, score })), expansions: per, ...label } },
      ctx.parentId,
    );
    let children: PartialTrace[];
    try {
      const expanded = await settle(
        beams.map((beam) => {
          const start = sample;
          sample += per;
          return sampleCandidates(problem, ctx, {
            start,
            count: per,
            sampling: { ...sampling, maxTokens: last ? sampling.maxTokens : stepTokens },
            purpose: "step",
            request: { assistantPrefix: beam.text || undefined, stop: last ? undefined : [stepBreak] },
          }).then((candidates) => ({ beam, candidates }));
        }),
      );
      children = expanded.flatMap(({ value: { beam, candidates } }) =>
        candidates.map((c) => {
          const finished = last || isFinished(c.completion, c.text, marker);
          // A step cut by `stepTokens` continues mid-sentence, so no break is added after it.
          const cut = c.completion?.finishReason === "length";
          const text = `${beam.text}${c.text}${finished || cut ? "" : stepBreak}`;
          const usage = {
            promptTokens: beam.usage.promptTokens + c.usage.promptTokens,
            completionTokens: beam.usage.completionTokens + c.usage.completionTokens,
          };
          return { id: nextId++, text, score: 0, depth, finished, usage };
        }),
      );
    } catch (error) {
      if (!isBudgetError(error) || depth === 1) throw error;
      stopped = `budget: ${(error as Error).message}`;
      break;
    }
    try {
      const scores = await settle(
        children.map((child) =>
          verify(verifier, problem, { ...child, ...readAnswer(problem, child.text), index: child.id }, ctx),
        ),
      );
      for (const { index, value } of scores) children[index].score = value.score;
    } catch (error) {
      if (!isBudgetError(error)) throw error;
      // Unscored children keep score 0; the search ends with what it has.
      stopped = `budget: ${(error as Error).message}`;
      leaves.push(...children.filter((c) => c.finished));
      beams = children.filter((c) => !c.finished);
      break;
    }
    leaves.push(...children.filter((c) => c.finished));
    const ranked = children.filter((c) => !c.finished).sort((a, b) => b.score - a.score || a.id - b.id);
    beams = ranked.slice(0, keep);
    ctx.trace.record(
      "decision",
      "prune",
      {
        facts: {
          depth,
          kept: beams.map(({ id, score }) => ({ id, score })),
          pruned: ranked.slice(keep).map(({ id, score }) => ({ id, score })),
          finished: children.filter((c) => c.finished).map(({ id, score }) => ({ id, score })),
          ...label,
        },
      },
      ctx.parentId,
    );
  }
  const pool = leaves.length > 0 ? leaves : beams;
  if (pool.length === 0) throw new DeliberateError("UPSTREAM", "the model returned no usable step");
  const best = pool.reduce((a, b) => (b.score > a.score ? b : a));
  return { best, leaves: pool, depth, stopped };
}

/** Search traces as a Solution's candidates, numbered in order, each with its verifier score. */
export function traceCandidates(problem: Problem, traces: PartialTrace[]): SolutionCandidate[] {
  return traces.map((trace, index) => ({
    index,
    role: "policy",
    text: trace.text,
    ...readAnswer(problem, trace.text),
    score: trace.score,
    usage: trace.usage,
  }));
}

/** A `BAD_REQUEST` unless the role's backend honours `assistantPrefix`, naming why it must. */
export function requirePrefill(ctx: RunContext, role: BackendRole, why: string): void {
  const backend = backendFor(ctx, role);
  if (!backend.capabilities.prefill) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `backend \`${backend.id}\` cannot prefill the assistant's reply, and ${why}`,
      { param: role },
    );
  }
}

/**
 * Whether a sampled step ends the trace: it wrote the answer, the model produced nothing more, or
 * llama.cpp reports an end-of-generation token (OpenAI-compatible servers say `stop` for both a stop
 * string and the end, so there the next, empty step tells).
 */
export function isFinished(completion: Completion | undefined, step: string, marker: string): boolean {
  if (marker !== "" && step.includes(marker)) return true;
  if (step.trim() === "") return true;
  return completion?.rawFinishReason === "eog";
}

/**
 * The work bound of one step search (beam, one DVTS subtree): every depth samples `keep × expansions`
 * continuations, each scored once; steps run to `stepTokens`, the last depth to `maxTokens`.
 */
export function stepSearchWork(options: {
  keep: number;
  expansions: number;
  maxDepth: number;
  stepTokens: number;
  maxTokens: number;
}): Work {
  const width = options.keep * options.expansions;
  return addWork(
    scaleWork(options.maxDepth - 1, completions(width, options.stepTokens)),
    completions(width, options.maxTokens),
    scaleWork(options.maxDepth * width, VERIFY),
  );
}
