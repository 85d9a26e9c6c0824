/**
 * `mcts`: Monte Carlo tree search over reasoning steps, rStar's generator (Qi et al., 2024, "Mutual
 * Reasoning Makes Smaller LLMs Stronger", arXiv:2408.06195) with one action, "write the next step".
 * A node is a partial solution; every simulation selects a leaf by UCT, expands it with sampled
 * next steps, values the new nodes (a rollout to the end whose answer is checked against the
 * search's other answers, as rStar does, or a step scorer, which is cheaper: `mcts-value.ts`) and
 * backs the values up (`mcts-search.ts`, `mcts-tree.ts`). The answer is the finished path with the
 * highest value (or the most visits); with mutual verification (rStar's discriminator,
 * `mcts-verify.ts`), the best of the top paths a second model agrees with.
 */
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import type { Problem } from "../run/types.ts";
import {
  aggregationSchema,
  resolveStepScorer,
  type StepAggregation,
  stepScorerSchema,
} from "../verifiers/step-scorers/index.ts";
import { defineStrategy } from "./define-strategy.ts";
import { finishBestPath, mctsSearch } from "./mcts-search.ts";
import { type MctsNode, type MctsSelect, pathTo, rankNodes } from "./mcts-tree.ts";
import { answerOf, simulationValue, stepScorerValue } from "./mcts-value.ts";
import { discriminatorRole, MUTUAL_DEFAULTS, type MutualCheck, mutualVerify } from "./mcts-verify.ts";
import { mctsWork } from "./mcts-work.ts";
import { strategyOptions } from "./options.ts";
import { requirePrefill, stepSearchShape } from "./step-search.ts";
import type { SolutionCandidate } from "./types.ts";

const { verifier: _stepVerifier, ...stepShape } = stepSearchShape;

export const mctsOptions = strategyOptions({
  ...stepShape,
  maxTokens: stepShape.maxTokens.describe(
    "Most tokens of a step at the maximum depth (it runs to the end), of a simulation's rollout, and of a discriminator's completion. Default 1024.",
  ),
  simulations: z
    .number()
    .int()
    .min(1)
    .default(16)
    .describe("Simulations (select, expand, evaluate, back up). Default 16."),
  expansions: z
    .number()
    .int()
    .min(1)
    .default(3)
    .describe("Next steps sampled when a leaf is expanded; identical steps merge into one child. Default 3."),
  exploration: z
    .number()
    .min(0)
    .default(Math.SQRT2)
    .describe("UCT's c in Q/N + c·sqrt(ln N_parent / N); 0 follows the best value only. Default √2 ≈ 1.414."),
  value: z
    .union([z.literal("simulation"), stepScorerSchema])
    .default("simulation")
    .describe(
      "A new node's value: `simulation` (rStar: the policy finishes it once, the finished path joins the tree, valued by the share of the search's answers that agree) or a step scorer, no rollout: `prm`, `pooling-prm`, `step-judge`, `rollout` (Math-Shepherd), `{ name, ...options }` or a StepScorer object. Default simulation.",
    ),
  aggregation: aggregationSchema.optional(),
  select: z
    .enum(["value", "visits"])
    .default("value")
    .describe("Which finished path answers: the highest `value`, or the most `visits`. Default value."),
  mutualVerification: z
    .boolean()
    .default(false)
    .describe(
      "rStar's discriminator: the `verifier` backend (else the policy) completes each top path from its first steps; a path it agrees with wins. Default false.",
    ),
  verifyPrefix: z
    .number()
    .min(0)
    .lt(1)
    .optional()
    .describe(
      `With mutual verification: share of a path's steps shown to the discriminator, in [0, 1), rounded down. Default ${MUTUAL_DEFAULTS.prefix}.`,
    ),
  verifyTop: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      `With mutual verification: finished paths the discriminator checks, best first. Default ${MUTUAL_DEFAULTS.top}.`,
    ),
}).superRefine((o, ctx) => {
  // A setting that would change nothing is an error, not silently dropped.
  const unused = (key: string, why: string) =>
    ctx.addIssue({ code: "custom", path: [key], message: `applies only ${why}` });
  if (o.value === "simulation" && o.aggregation !== undefined)
    unused("aggregation", "to a step scorer's values");
  if (!o.mutualVerification && o.verifyPrefix !== undefined)
    unused("verifyPrefix", "with `mutualVerification`");
  if (!o.mutualVerification && o.verifyTop !== undefined) unused("verifyTop", "with `mutualVerification`");
});
export type MctsOptions = z.input<typeof mctsOptions>;

/** A finished path as the answer was chosen among them. */
export interface MctsTerminal {
  node: number;
  sample: number;
  key: string | null;
  value: number;
  visits: number;
}

export interface MctsDetails {
  /** The value source: `simulation` or the step scorer's name. */
  value: string;
  /** The step scores' aggregation; absent for simulations. */
  aggregation?: StepAggregation;
  select: MctsSelect;
  /** Simulations that ran to their backup. */
  simulations: number;
  /** Partial solutions in the tree (the root not counted). */
  nodes: number;
  /** Deepest node. */
  depth: number;
  /** Whether the chosen path finished (wrote its answer or ended). */
  finished: boolean;
  stopped: string;
  /** Node ids from the root to the chosen node. */
  bestPath: number[];
  /** Every finished path, best first. */
  terminals: MctsTerminal[];
  /** The discriminator's checks, when mutual verification ran. */
  mutual?: MutualCheck[];
}

export const mcts = defineStrategy({
  name: "mcts",
  description:
    "rStar-style MCTS over reasoning steps: UCT, sampled steps, simulation or step-scorer value, optional mutual verification.",
  options: mctsOptions,
  work: mctsWork,
  async run(problem, ctx, opts) {
    requirePrefill(ctx, "policy", "MCTS continues partial solutions");
    if (opts.mutualVerification) {
      requirePrefill(ctx, discriminatorRole(ctx), "mutual verification completes partial paths");
    }
    let next = 0;
    const draw = (count: number) => {
      const start = next;
      next += count;
      return start;
    };
    const {
      aggregation = "last",
      verifyPrefix = MUTUAL_DEFAULTS.prefix,
      verifyTop = MUTUAL_DEFAULTS.top,
    } = opts;
    const value =
      opts.value === "simulation"
        ? simulationValue({ sampling: opts, draw })
        : stepScorerValue(resolveStepScorer(opts.value, opts), { ...opts, aggregation });
    const searchOptions = { ...opts, sampling: opts, value, draw };
    const search = await mctsSearch(problem, ctx, searchOptions);
    const { tree } = search;
    let stopped = search.stopped;
    if (!tree.nodes.some((n) => n.finished) && tree.nodes.length > 1) {
      const end = await finishBestPath(problem, ctx, tree, searchOptions);
      if (!end) stopped += "; the most visited path could not be finished";
    }
    const finished = tree.nodes.filter((n) => n.finished);
    // Shares of agreement are settled only now: the answer weighs every answer the search saw.
    if (value.final) for (const node of finished) node.value = value.final(problem, node);
    // Nothing finished (the budget ended the search): the best partial solution so far.
    const pool =
      finished.length > 0 ? finished : tree.nodes.filter((n) => n.id > 0 && n.children.length === 0);
    if (pool.length === 0) throw new DeliberateError("UPSTREAM", "the model returned no usable step");
    const ranked = rankNodes(pool, opts.select);
    let chosen = ranked[0];
    let mutual: MutualCheck[] | undefined;
    if (opts.mutualVerification && finished.length > 0) {
      const checked = await mutualVerify(problem, ctx, ranked.slice(0, verifyTop), {
        prefix: verifyPrefix,
        maxTokens: opts.maxTokens,
        stepBreak: opts.stepBreak,
      });
      mutual = checked.checks;
      const agreed = new Set(mutual.filter((c) => c.agrees).map((c) => c.node));
      chosen = ranked.find((n) => agreed.has(n.id)) ?? ranked[0];
      if (checked.budget) stopped += `; mutual verification cut by the budget: ${checked.budget}`;
    }
    const terminals = finished.length > 0 ? ranked.map((n) => terminal(problem, n)) : [];
    ctx.trace.record(
      "decision",
      "answer",
      {
        reason: mutual
          ? `the best path by ${opts.select} that the discriminator agrees with (else the best)`
          : `the best ${finished.length > 0 ? "finished" : "partial"} path by ${opts.select}`,
        facts: {
          chosen: chosen.id,
          path: pathTo(tree, chosen.id),
          ranked: ranked.slice(0, RANKED_IN_TRACE).map((n) => terminal(problem, n)),
          ...(mutual ? { mutual } : {}),
        },
      },
      ctx.parentId,
    );
    return {
      text: chosen.text,
      confidence: chosen.value ?? 0,
      candidates: candidatesOf(problem, pool),
      details: {
        value: value.name,
        ...(opts.value === "simulation" ? {} : { aggregation }),
        select: opts.select,
        simulations: search.simulations,
        nodes: tree.nodes.length - 1,
        depth: Math.max(...tree.nodes.map((n) => n.depth)),
        finished: chosen.finished,
        stopped,
        bestPath: pathTo(tree, chosen.id),
        terminals,
        ...(mutual ? { mutual } : {}),
      } satisfies MctsDetails,
    };
  },
});

/** How many ranked paths the `answer` decision lists: enough to read why, few enough to stay small. */
const RANKED_IN_TRACE = 8;

function terminal(problem: Problem, node: MctsNode): MctsTerminal {
  const { key } = answerOf(problem, node);
  return { node: node.id, sample: node.sample, key, value: node.value ?? 0, visits: node.visits };
}

/** The paths the answer was chosen among, in sample order, each with its value as score. */
function candidatesOf(problem: Problem, pool: MctsNode[]): SolutionCandidate[] {
  return [...pool]
    .sort((a, b) => a.sample - b.sample)
    .map((node) => ({
      index: node.sample,
      role: "policy",
      text: node.text,
      ...answerOf(problem, node),
      score: node.value ?? 0,
      usage: node.usage,
    }));
}
