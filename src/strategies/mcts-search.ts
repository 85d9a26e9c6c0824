/**
 * The simulation loop under `mcts` (rStar's `do_rollout`; Qi et al., 2024, arXiv:2408.06195). Each
 * simulation:
 *   1. select: from the root, the highest-UCT child at every level, down to a leaf;
 *   2. expand: sample `expansions` next steps of the leaf's partial solution from the policy (the
 *      partial solution prefilled, stopped at the step break, as in step search); identical steps
 *      merge into one child, since two copies of a prefix only split its visits;
 *   3. evaluate: every new child gets a value from the value source, in parallel;
 *   4. back up: each value is added to the child and every ancestor (one visit per value).
 * A terminal leaf (finished, or a dead end) is not expanded: reselecting it backs up its known
 * value again with no model call. Each phase is a `decision` node with its numbers, so the viewer
 * can redraw the tree. The budget ends the search cleanly; the tree so far is the result.
 */

import { isBudgetError } from "../run/budget.ts";
import { taskKind } from "../run/prompts.ts";
import type { Problem } from "../run/types.ts";
import {
  addChild,
  backup,
  createTree,
  type MctsNode,
  type MctsTree,
  meanValue,
  pathTo,
  selectLeaf,
} from "./mcts-tree.ts";
import type { ValueSource } from "./mcts-value.ts";
import type { SamplingSettings } from "./options.ts";
import { sampleCandidates } from "./sample.ts";
import { ANSWER_MARKERS, isFinished } from "./step-search.ts";
import type { StrategyContext } from "./types.ts";

export interface MctsSearchOptions {
  /** Sampling of steps; `maxTokens` bounds a step at the maximum depth, which runs to the end. */
  sampling: SamplingSettings;
  stepTokens: number;
  maxDepth: number;
  stepBreak: string;
  simulations: number;
  expansions: number;
  /** UCT's exploration constant c. */
  exploration: number;
  value: ValueSource;
  /** Reserves `count` consecutive policy sample indices and returns the first (seeds derive from it). */
  draw: (count: number) => number;
}

export interface MctsSearchResult {
  tree: MctsTree;
  /** Simulations that ran to their backup. */
  simulations: number;
  /** Why the search ended. */
  stopped: string;
}

export async function mctsSearch(
  problem: Problem,
  ctx: StrategyContext,
  options: MctsSearchOptions,
): Promise<MctsSearchResult> {
  const tree = createTree();
  const decide = (name: string, facts: Record<string, unknown>, reason?: string) =>
    ctx.trace.record("decision", name, { ...(reason ? { reason } : {}), facts }, ctx.parentId);
  const backupAll = (simulation: number, values: Array<{ node: number; value: number }>, reason: string) => {
    for (const { node, value } of values) backup(tree, node, value);
    const touched = [...new Set(values.flatMap(({ node }) => pathTo(tree, node)))];
    const nodes = touched.map((id) => ({
      id,
      visits: tree.nodes[id].visits,
      mean: meanValue(tree.nodes[id]),
    }));
    decide("backup", { simulation, values, nodes }, reason);
  };

  let stopped = `ran all ${options.simulations} simulations`;
  let done = 0;
  for (let simulation = 0; simulation < options.simulations; simulation++) {
    if (tree.nodes[0].terminal) {
      stopped = "the root has no usable step";
      break;
    }
    const selection = selectLeaf(tree, options.exploration);
    decide("select", { simulation, path: selection.path, levels: selection.levels });
    const leaf = tree.nodes[selection.path[selection.path.length - 1]];
    if (leaf.terminal) {
      backupAll(
        simulation,
        [{ node: leaf.id, value: leaf.value ?? 0 }],
        "terminal leaf: its known value again",
      );
      done++;
      continue;
    }
    let children: MctsNode[];
    try {
      children = await expand(problem, ctx, tree, leaf, options, simulation);
    } catch (error) {
      // With nothing searched there is nothing to answer with: the budget error is the result.
      if (!isBudgetError(error) || tree.nodes.length === 1) throw error;
      stopped = `budget: ${(error as Error).message}`;
      break;
    }
    if (children.length === 0) {
      leaf.terminal = true;
      leaf.value = 0;
      backupAll(simulation, [{ node: leaf.id, value: 0 }], "no usable step: a dead end, worth 0");
      done++;
      continue;
    }
    const batch = await options.value.evaluate(problem, ctx, children);
    for (const { node, value } of batch.values) tree.nodes[node].value = value;
    decide("evaluate", {
      simulation,
      source: options.value.name,
      values: batch.values.map(({ node, value, method }) => ({ node, value, method })),
      ...(batch.budget
        ? { unevaluated: children.filter((c) => c.value === undefined).map((c) => c.id) }
        : {}),
    });
    backupAll(
      simulation,
      batch.values.map(({ node, value }) => ({ node, value })),
      "each new child's value, added along its path to the root",
    );
    done++;
    if (batch.budget) {
      stopped = `budget: ${batch.budget}`;
      break;
    }
  }
  return { tree, simulations: done, stopped };
}

/** Samples the leaf's next steps and adds them as children (identical ones merged). */
async function expand(
  problem: Problem,
  ctx: StrategyContext,
  tree: MctsTree,
  leaf: MctsNode,
  options: MctsSearchOptions,
  simulation: number,
): Promise<MctsNode[]> {
  const { sampling, stepTokens, maxDepth, stepBreak, expansions } = options;
  // The step at the maximum depth runs to the end: the solution finishes there.
  const last = leaf.depth + 1 >= maxDepth;
  const candidates = await sampleCandidates(problem, ctx, {
    start: options.draw(expansions),
    count: expansions,
    sampling: { ...sampling, maxTokens: last ? sampling.maxTokens : stepTokens },
    purpose: "step",
    request: { assistantPrefix: leaf.text || undefined, stop: last ? undefined : [stepBreak] },
  });
  const marker = ANSWER_MARKERS[taskKind(problem)];
  const byText = new Map<string, MctsNode>();
  const merged: Array<{ sample: number; into: number }> = [];
  for (const candidate of candidates) {
    const finished = last || isFinished(candidate.completion, candidate.text, marker);
    // A step cut by `stepTokens` continues mid-sentence, so no break is added after it.
    const cut = candidate.completion?.finishReason === "length";
    const text = `${leaf.text}${candidate.text}${finished || cut ? "" : stepBreak}`;
    const twin = byText.get(text);
    if (twin) {
      merged.push({ sample: candidate.index, into: twin.id });
      continue;
    }
    const usage = {
      promptTokens: leaf.usage.promptTokens + candidate.usage.promptTokens,
      completionTokens: leaf.usage.completionTokens + candidate.usage.completionTokens,
    };
    const child = addChild(tree, leaf.id, {
      text,
      step: candidate.text,
      finished,
      sample: candidate.index,
      usage,
    });
    byText.set(text, child);
  }
  const children = [...byText.values()];
  ctx.trace.record(
    "decision",
    "expand",
    {
      facts: {
        simulation,
        node: leaf.id,
        depth: leaf.depth + 1,
        sampled: candidates.length,
        children: children.map(({ id, sample, step, finished }) => ({ id, sample, step, finished })),
        merged,
      },
    },
    ctx.parentId,
  );
  return children;
}
