/**
 * Where `mcts` gets a new node's value, in [0, 1]: a step scorer (a PRM: one call scores the
 * prefix) or a rollout (rStar's simulation: the policy completes the solution from the node).
 *
 * A rollout has no gold answer to compare with, so its value is rStar's answer confidence: the share
 * of the finished solutions seen so far in this search (rollouts and finished nodes, this batch
 * included) that reach the same answer. A rollout without an answer is worth 0. Values are fixed
 * when they are backed up; the shares move as the search sees more answers, which is why early
 * values are noisier than late ones.
 *
 * Every evaluation is a `score` trace node (candidate = the node's sample index) with the model
 * calls it made under it, like `verify()`'s.
 */
import { type DeliberateError, toDeliberateError } from "../errors.ts";
import { readAnswer } from "../run/answers.ts";
import { isBudgetError } from "../run/budget.ts";
import type { Problem } from "../run/types.ts";
import type { StepAggregation, StepScorer } from "../verifiers/step-scorers/types.ts";
import type { MctsNode } from "./mcts-tree.ts";
import type { SamplingSettings } from "./options.ts";
import { sampleCandidates } from "./sample.ts";
import type { StrategyContext } from "./types.ts";

export interface NodeEvaluation {
  node: number;
  /** In [0, 1]. */
  value: number;
  /** How it was obtained: the scorer's method, `rollout`, or `finished` (a finished node's own answer). */
  method: string;
  /** Anything else worth tracing (per-step scores, the rollout's answer and agreement). */
  data?: Record<string, unknown>;
}

export interface EvaluationBatch {
  /** One per node evaluated, in the order given; a node whose evaluation the budget refused is missing. */
  values: NodeEvaluation[];
  /** Set when the budget refused an evaluation: its message. */
  budget?: string;
}

export interface ValueSource {
  /** For traces and details: `rollout` or the step scorer's name. */
  readonly name: string;
  /** Evaluates the nodes of one expansion together (in parallel). */
  evaluate(problem: Problem, ctx: StrategyContext, nodes: MctsNode[]): Promise<EvaluationBatch>;
}

/** The steps of a partial solution: split at the step break, empty pieces dropped. */
export function splitSteps(text: string, stepBreak: string): string[] {
  return text.split(stepBreak).filter((step) => step.trim() !== "");
}

/** One number from per-prefix scores (search-and-learn's aggregations); no steps is worth 0. */
export function aggregateSteps(scores: readonly number[], how: StepAggregation): number {
  if (scores.length === 0) return 0;
  switch (how) {
    case "last":
      return scores[scores.length - 1];
    case "min":
      return Math.min(...scores);
    case "product":
      return scores.reduce((a, b) => a * b, 1);
    case "mean":
      return scores.reduce((a, b) => a + b, 0) / scores.length;
    default:
      return how satisfies never;
  }
}

/** A step scorer's verdict on each node's steps, aggregated to one value. */
export function stepScorerValue(
  scorer: StepScorer,
  options: { aggregation: StepAggregation; stepBreak: string },
): ValueSource {
  return {
    name: scorer.name,
    evaluate: (problem, ctx, nodes) =>
      evaluateEach(scorer.name, ctx, nodes, async (node, spanCtx) => {
        const steps = splitSteps(node.text, options.stepBreak);
        const result = await scorer.scoreSteps(problem, steps, spanCtx);
        const scores = result.scores.map((s) => (Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : 0));
        return {
          node: node.id,
          value: aggregateSteps(scores, options.aggregation),
          method: result.method,
          data: { steps: steps.length, scores, ...result.data },
        };
      }),
  };
}

export interface RolloutOptions {
  sampling: SamplingSettings;
  /** Reserves `count` consecutive policy sample indices and returns the first (seeds derive from it). */
  draw: (count: number) => number;
}

/** Completes each unfinished node once with the policy; values are answer shares (see the top). */
export function rolloutValue(options: RolloutOptions): ValueSource {
  /** Finished solutions seen so far in this search, by answer key. */
  const seen = new Map<string, number>();
  let answered = 0;
  return {
    name: "rollout",
    evaluate: (problem, ctx, nodes) =>
      evaluateEach(
        "rollout",
        ctx,
        nodes,
        async (node, spanCtx): Promise<NodeEvaluation> => {
          if (node.finished) {
            return {
              node: node.id,
              value: 0,
              method: "finished",
              data: { ...readAnswer(problem, node.text) },
            };
          }
          const sample = options.draw(1);
          const [rollout] = await sampleCandidates(problem, spanCtx, {
            start: sample,
            count: 1,
            sampling: options.sampling,
            request: { assistantPrefix: node.text || undefined },
          });
          const read = rollout ? readAnswer(problem, node.text + rollout.text) : { answer: null, key: null };
          return { node: node.id, value: 0, method: "rollout", data: { sample, ...read } };
        },
        (values) => {
          // Shares are counted once the whole batch is in, in node order, so they do not depend
          // on which rollout happened to finish first.
          const keys = values.map((v) => (v.data?.key ?? null) as string | null);
          for (const key of keys) {
            if (key === null) continue;
            seen.set(key, (seen.get(key) ?? 0) + 1);
            answered++;
          }
          for (const [i, evaluation] of values.entries()) {
            const agree = keys[i] === null ? 0 : (seen.get(keys[i] as string) ?? 0);
            evaluation.value = answered === 0 ? 0 : agree / answered;
            evaluation.data = { ...evaluation.data, agree, answered };
          }
        },
      ),
  };
}

/**
 * Runs one evaluation per node in parallel, each inside its own `score` span. An abort always
 * propagates; an evaluation the budget refused is left out (the search stops after backing up the
 * rest); any other failure is thrown, since a broken value source should not pass for a low value.
 */
async function evaluateEach(
  name: string,
  ctx: StrategyContext,
  nodes: MctsNode[],
  evaluate: (node: MctsNode, spanCtx: StrategyContext) => Promise<NodeEvaluation>,
  /** Adjusts the batch's values once all are in (rollout shares), before the spans end. */
  finish?: (values: NodeEvaluation[]) => void,
): Promise<EvaluationBatch> {
  const spans = nodes.map((node) =>
    ctx.trace.start("score", name, { candidate: node.sample, details: { node: node.id } }, ctx.parentId),
  );
  const settled = await Promise.allSettled(
    nodes.map((node, i) => evaluate(node, { ...ctx, parentId: spans[i].id })),
  );
  const done: Array<{ i: number; evaluation: NodeEvaluation }> = [];
  const failures: Array<{ i: number; error: DeliberateError }> = [];
  for (const [i, result] of settled.entries()) {
    if (result.status === "fulfilled") done.push({ i, evaluation: result.value });
    else failures.push({ i, error: toDeliberateError(result.reason) });
  }
  const fatal =
    failures.find((f) => f.error.code === "ABORTED") ?? failures.find((f) => !isBudgetError(f.error));
  if (!fatal) finish?.(done.map((d) => d.evaluation));
  for (const { i, error } of failures) spans[i].end({ error: error.message, code: error.code });
  for (const { i, evaluation } of done) {
    const { value, method, data } = evaluation;
    spans[i].end({ value, method, details: { node: evaluation.node, ...data } });
  }
  if (fatal) throw fatal.error;
  const values = done.map((d) => d.evaluation);
  return failures.length > 0 ? { values, budget: failures[0].error.message } : { values };
}
