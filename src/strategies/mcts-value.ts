/**
 * Where `mcts` gets a new node's value, in [0, 1]:
 *
 * - `simulation` (rStar's): the policy finishes the node once (a rollout); the finished path joins
 *   the tree (`mcts-search.ts`), and its value is rStar's answer confidence, the share of the
 *   finished solutions the search has seen (rollouts and finished nodes, this batch included) that
 *   reach the same answer. There is no gold answer to compare with; agreement is what the search
 *   can see. A solution without an answer is worth 0. Values are fixed when backed up, so early ones
 *   are noisier; `final()` gives the shares once the search is over, for choosing the answer.
 * - a step scorer (a PRM): the node's steps are scored, no rollout; cheaper, and as good as the PRM.
 *
 * Every evaluation is a `score` trace node (candidate = the node's sample index) with the model calls
 * it made under it, like `verify()`'s.
 */
import { type DeliberateError, toDeliberateError } from "../errors.ts";
import type { FinishReason } from "../models/types.ts";
import { readAnswer } from "../run/answers.ts";
import { isBudgetError } from "../run/budget.ts";
import type { Problem } from "../run/types.ts";
import { splitSteps } from "../verifiers/step-scorers/split-steps.ts";
import type { StepAggregation, StepScorer } from "../verifiers/step-scorers/types.ts";
import { verifySteps } from "../verifiers/step-scorers/verify-steps.ts";
import type { MctsNode } from "./mcts-tree.ts";
import type { SamplingSettings } from "./options.ts";
import { sampleCandidates } from "./sample.ts";
import type { StrategyContext } from "./types.ts";

/** The policy's completion of a node, to join the tree as a chain of steps. */
export interface Rollout {
  /** What the policy wrote after the node's text. */
  text: string;
  /** Whether the solution ended (the model stopped; not cut by `maxTokens`). */
  finished: boolean;
  finishReason: FinishReason;
  sample: number;
  usage: { promptTokens: number; completionTokens: number };
  /** The answer of the node's text followed by the rollout's, when it was read. */
  answer?: { answer: string | null; key: string | null };
}

export interface NodeEvaluation {
  node: number;
  /** In [0, 1]. */
  value: number;
  /** How it was obtained: the scorer's method, `simulation`, or `finished` (a finished node's own answer). */
  method: string;
  /** The rollout that valued it, when there was one. */
  rollout?: Rollout;
  /** Anything else worth tracing (per-step scores, the answer and how many agree). */
  data?: Record<string, unknown>;
}

export interface EvaluationBatch {
  /** One per node evaluated, in the order given; a node whose evaluation the budget refused is missing. */
  values: NodeEvaluation[];
  /** Set when the budget refused an evaluation: its message. */
  budget?: string;
}

export interface ValueSource {
  /** For traces and details: `simulation` or the step scorer's name. */
  readonly name: string;
  /** Evaluates the nodes of one expansion together (in parallel). */
  evaluate(problem: Problem, ctx: StrategyContext, nodes: MctsNode[]): Promise<EvaluationBatch>;
  /** A finished node's value once the search is over, when it differs from its value when backed up. */
  final?(problem: Problem, node: MctsNode): number;
}

/** The answer in a node's text, read once and kept on the node. */
export function answerOf(problem: Problem, node: MctsNode): { answer: string | null; key: string | null } {
  node.answer ??= readAnswer(problem, node.text);
  return node.answer;
}

/** A step scorer's verdict on each node's steps, aggregated to one value. */
export function stepScorerValue(
  scorer: StepScorer,
  options: { aggregation: StepAggregation; stepBreak: string },
): ValueSource {
  return {
    name: scorer.name,
    evaluate: (problem, ctx, nodes) =>
      evaluateEach(ctx, nodes, async (node) => {
        const steps = splitSteps(node.text, options.stepBreak);
        const scored = await verifySteps(scorer, problem, steps, ctx, {
          aggregation: options.aggregation,
          candidate: node.sample,
        });
        return { node: node.id, value: scored.value, method: scored.method };
      }),
  };
}

export interface SimulationOptions {
  /** Rollout sampling; `maxTokens` bounds a rollout. */
  sampling: SamplingSettings;
  /** Reserves `count` consecutive policy sample indices and returns the first (seeds derive from it). */
  draw: (count: number) => number;
}

/** rStar's simulation value: one rollout per unfinished node, valued by answer agreement (see the top). */
export function simulationValue(options: SimulationOptions): ValueSource {
  /** Finished solutions seen so far in this search, by answer key. */
  const seen = new Map<string, number>();
  let answered = 0;
  const share = (key: string | null) =>
    key === null || answered === 0 ? 0 : (seen.get(key) ?? 0) / answered;
  return {
    name: "simulation",
    final: (problem, node) => share(answerOf(problem, node).key),
    async evaluate(problem, ctx, nodes) {
      const batch = await evaluateEach(
        ctx,
        nodes,
        async (node, spanCtx): Promise<NodeEvaluation> => {
          if (node.finished) {
            return {
              node: node.id,
              value: 0,
              method: "finished",
              data: { ...answerOf(problem, node) },
            };
          }
          const sample = options.draw(1);
          const [completion] = await sampleCandidates(problem, spanCtx, {
            start: sample,
            count: 1,
            sampling: options.sampling,
            // A continuation of a partial solution: its answer is read from the whole, below.
            purpose: "step",
            request: { assistantPrefix: node.text || undefined },
          });
          const rollout: Rollout | undefined = completion && {
            text: completion.text,
            // No stop string was asked for: "stop" is the model ending its solution.
            finished: completion.finishReason === "stop",
            finishReason: completion.finishReason ?? "stop",
            sample,
            usage: completion.usage,
          };
          if (rollout?.finished) rollout.answer = readAnswer(problem, node.text + rollout.text);
          const read = rollout?.answer ?? { answer: null, key: null };
          return { node: node.id, value: 0, method: "simulation", rollout, data: { sample, ...read } };
        },
        "simulation",
      );
      // Shares are counted once the whole batch is in, in node order, so they do not depend on which
      // rollout happened to finish first.
      const keys = batch.values.map((v) => (v.data?.key ?? null) as string | null);
      for (const key of keys) {
        if (key === null) continue;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        answered++;
      }
      for (const [i, evaluation] of batch.values.entries()) {
        evaluation.value = share(keys[i]);
        evaluation.data ??= {};
        const { data } = evaluation;
        data.agree = keys[i] === null ? 0 : seen.get(keys[i] as string);
        data.answered = answered;
      }
      batch.close?.();
      return batch;
    },
  };
}

/**
 * Runs one evaluation per node in parallel. An abort always propagates; an evaluation the budget
 * refused is left out (the search stops after backing up the rest); any other failure is thrown,
 * since a broken value source must not pass for a low value. With `span`, each evaluation runs in a
 * `score` node of that name, ended by `close()` once the caller has settled the values (step
 * scorers open their own through `verifySteps`).
 */
async function evaluateEach(
  ctx: StrategyContext,
  nodes: MctsNode[],
  evaluate: (node: MctsNode, spanCtx: StrategyContext) => Promise<NodeEvaluation>,
  span?: string,
): Promise<EvaluationBatch & { close?: () => void }> {
  const spans = nodes.map((node) =>
    span === undefined
      ? undefined
      : ctx.trace.start("score", span, { candidate: node.sample, details: { node: node.id } }, ctx.parentId),
  );
  const settled = await Promise.allSettled(
    nodes.map((node, i) => evaluate(node, { ...ctx, parentId: spans[i]?.id ?? ctx.parentId })),
  );
  const done: Array<{ i: number; evaluation: NodeEvaluation }> = [];
  const failures: Array<{ i: number; error: DeliberateError }> = [];
  for (const [i, result] of settled.entries()) {
    if (result.status === "fulfilled") done.push({ i, evaluation: result.value });
    else failures.push({ i, error: toDeliberateError(result.reason) });
  }
  const close = () => {
    for (const { i, error } of failures) spans[i]?.end({ error: error.message, code: error.code });
    for (const { i, evaluation } of done) {
      const { value, method, data } = evaluation;
      spans[i]?.end({ value, method, details: { node: evaluation.node, ...data } });
    }
  };
  const fatal =
    failures.find((f) => f.error.code === "ABORTED") ?? failures.find((f) => !isBudgetError(f.error));
  if (fatal) {
    close();
    throw fatal.error;
  }
  const values = done.map((d) => d.evaluation);
  const batch = failures.length > 0 ? { values, budget: failures[0].error.message } : { values };
  if (span === undefined) return batch;
  return { ...batch, close };
}
