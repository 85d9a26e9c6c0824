/**
 * The simulation loop under `mcts` (rStar's `do_rollout`; Qi et al., 2024, arXiv:2408.06195). Each
 * simulation:
 *   1. select: from the root, the highest-UCT child at every level, down to a leaf (a node not yet
 *      expanded);
 *   2. expand: sample `expansions` next steps of the leaf's partial solution from the policy (the
 *      partial solution prefilled, stopped at the step break, as in step search); a step the leaf
 *      already has (from a rollout, or sampled twice) is not added again, since two copies of one
 *      prefix only split its visits;
 *   3. evaluate: every new child gets a value from the value source, in parallel; a rollout's steps
 *      join the tree below the child as a chain ending in a finished node (rStar's simulated path);
 *   4. back up: each value is added along its path, from the chain's end up to the root.
 * A terminal leaf (finished, or a dead end) is not expanded: reselecting it backs up its value
 * again with no model call. Each phase is a `decision` node with its numbers, so the viewer can
 * redraw the tree. The budget ends the search cleanly; the tree so far is the result.
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
import type { Rollout, ValueSource } from "./mcts-value.ts";
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
    decide(
      "select",
      { simulation, path: selection.path, levels: selection.levels },
      `simulation ${simulation}: highest UCT down to node ${selection.path[selection.path.length - 1]}`,
    );
    const leaf = tree.nodes[selection.path[selection.path.length - 1]];
    if (leaf.terminal) {
      backupAll(simulation, [{ node: leaf.id, value: leaf.value ?? 0 }], "terminal leaf: its value again");
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
    if (leaf.children.length === 0) {
      leaf.terminal = true;
      leaf.value = 0;
      backupAll(simulation, [{ node: leaf.id, value: 0 }], "no usable step: a dead end, worth 0");
      done++;
      continue;
    }
    // Every step sampled was one the leaf already had: nothing new to value this time.
    if (children.length === 0) {
      done++;
      continue;
    }
    const batch = await options.value.evaluate(problem, ctx, children);
    const backed = batch.values.map(({ node, value, rollout }) => {
      tree.nodes[node].value = value;
      const end = rollout ? attachRollout(tree, tree.nodes[node], rollout, options) : tree.nodes[node];
      end.value = value;
      return { node, value, end: end.id };
    });
    const listed = batch.values.map(({ node, value }) => `${node}: ${value.toFixed(3)}`).join(", ");
    decide(
      "evaluate",
      {
        simulation,
        source: options.value.name,
        values: batch.values.map(({ node, value, method }, i) => ({
          node,
          value,
          method,
          ...(backed[i].end === node
            ? {}
            : { chain: pathTo(tree, backed[i].end).slice(tree.nodes[node].depth + 1) }),
        })),
        ...(batch.budget
          ? { unevaluated: children.filter((c) => c.value === undefined).map((c) => c.id) }
          : {}),
      },
      `${options.value.name}: ${listed}`,
    );
    backupAll(
      simulation,
      backed.map(({ end, value }) => ({ node: end, value })),
      "each new child's value, added from its rollout's end (or itself) up to the root",
    );
    done++;
    if (batch.budget) {
      stopped = `budget: ${batch.budget}`;
      break;
    }
  }
  return { tree, simulations: done, stopped };
}

/** Samples the leaf's next steps and adds the new ones as children; returns those. */
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
  leaf.expanded = true;
  const marker = ANSWER_MARKERS[taskKind(problem)];
  const byText = new Map(leaf.children.map((id) => [tree.nodes[id].text, tree.nodes[id]]));
  const children: MctsNode[] = [];
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
    const child = addChild(tree, leaf.id, {
      text,
      step: candidate.text,
      finished,
      sample: candidate.index,
      usage: addUsage(leaf.usage, candidate.usage),
    });
    byText.set(text, child);
    children.push(child);
  }
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
      reason: `node ${leaf.id}: ${children.length} new, ${merged.length} merged`,
    },
    ctx.parentId,
  );
  return children;
}

/**
 * Adds a rollout below `node` as a chain of step nodes (split at step breaks that follow some text;
 * the step at the maximum depth takes the rest) and returns its last node: finished when the
 * solution ended, else a cut partial solution later expansions continue. A rollout that wrote
 * nothing more finishes `node` itself.
 */
export function attachRollout(
  tree: MctsTree,
  node: MctsNode,
  rollout: Rollout,
  options: { maxDepth: number; stepBreak: string },
): MctsNode {
  const { maxDepth, stepBreak } = options;
  if (rollout.text.trim() === "") {
    if (rollout.finished) Object.assign(node, { finished: true, terminal: true });
    return node;
  }
  let parent = node;
  let rest = rollout.text;
  while (rest !== "") {
    const content = rest.search(/\S/);
    const at = parent.depth + 1 >= maxDepth || content < 0 ? -1 : rest.indexOf(stepBreak, content);
    const step = at < 0 ? rest : rest.slice(0, at);
    rest = at < 0 ? "" : rest.slice(at + stepBreak.length);
    const ends = rest === "";
    parent = addChild(tree, parent.id, {
      text: `${parent.text}${step}${ends ? "" : stepBreak}`,
      step,
      finished: ends && rollout.finished,
      sample: rollout.sample,
      usage: ends ? addUsage(node.usage, rollout.usage) : node.usage,
    });
    if (ends && rollout.answer) parent.answer = rollout.answer;
  }
  return parent;
}

function addUsage(
  a: { promptTokens: number; completionTokens: number },
  b: { promptTokens: number; completionTokens: number },
) {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
  };
}

/**
 * When nothing finished (a step scorer's search that never reached the end, or rollouts cut short),
 * the policy finishes the most visited path once, as MCTS plays its most visited move, and the
 * value source values the result. Returns the finished node, or undefined when the budget refused.
 */
export async function finishBestPath(
  problem: Problem,
  ctx: StrategyContext,
  tree: MctsTree,
  options: MctsSearchOptions,
): Promise<MctsNode | undefined> {
  let node = tree.nodes[0];
  while (node.children.length > 0) {
    node = node.children
      .map((id) => tree.nodes[id])
      .reduce((a, b) =>
        b.visits > a.visits || (b.visits === a.visits && (b.value ?? 0) > (a.value ?? 0)) ? b : a,
      );
  }
  const sample = options.draw(1);
  let completions: Awaited<ReturnType<typeof sampleCandidates>>;
  try {
    completions = await sampleCandidates(problem, ctx, {
      start: sample,
      count: 1,
      sampling: options.sampling,
      purpose: "step",
      request: { assistantPrefix: node.text || undefined },
    });
  } catch (error) {
    if (isBudgetError(error)) return undefined;
    throw error;
  }
  const [completion] = completions;
  if (completion?.finishReason !== "stop") return undefined;
  const end = attachRollout(
    tree,
    node,
    { text: completion.text, finished: true, finishReason: "stop", sample, usage: completion.usage },
    options,
  );
  const batch = await options.value.evaluate(problem, ctx, [end]);
  end.value = batch.values[0]?.value ?? 0;
  backup(tree, end.id, end.value);
  ctx.trace.record(
    "decision",
    "finish",
    {
      reason: "nothing finished: the policy finishes the most visited path",
      facts: { from: node.id, node: end.id, path: pathTo(tree, end.id), value: end.value },
    },
    ctx.parentId,
  );
  return end;
}
