/**
 * The search tree under `mcts`, pure: nodes, UCT selection, expansion bookkeeping and backup, no
 * model calls and no I/O, so every rule here is checked on hand-computed trees.
 *
 * A node is a partial solution (the steps so far). UCT (Kocsis & Szepesvári, 2006; rStar's
 * `_compute_uct`) scores a child by its mean backed-up value plus an exploration bonus:
 *
 *   uct(child) = Q(child) / N(child) + c · sqrt(ln N(parent) / N(child))
 *
 * where Q is the sum of values backed up through the child and N its visits. A child never visited
 * scores +∞, so every child is tried before any is tried twice. Selection walks down through
 * expanded nodes only: a node whose children came from a rollout (rStar's simulated path) and not
 * from its own expansion is a leaf still to be expanded.
 */

export interface MctsNode {
  /** Position in `tree.nodes`; the root is 0. */
  id: number;
  /** The parent's id; absent for the root. */
  parent?: number;
  /** Steps from the root (the root is depth 0). */
  depth: number;
  /** The reasoning so far, step breaks included: what the next expansion prefills. */
  text: string;
  /** The step this node added (its text after the parent's); "" for the root. */
  step: string;
  children: number[];
  /** Whether its own next steps were sampled; a rollout's chain of steps leaves a node unexpanded. */
  expanded: boolean;
  /** N: how many values were backed up through this node. */
  visits: number;
  /** Q: the sum of those values. */
  total: number;
  /** The value source's verdict on this node, once evaluated; re-backed-up when a terminal is reselected. */
  value?: number;
  /** The solution ended here: the step wrote the answer, the model stopped, or the depth ran out. */
  finished: boolean;
  /** Nothing can grow below: finished, or an expansion brought back no usable step. */
  terminal: boolean;
  /** The policy sample index that wrote the step (its seed derives from it); -1 for the root. */
  sample: number;
  /** Tokens spent on this node's steps, its ancestors' included. */
  usage: { promptTokens: number; completionTokens: number };
  /** The answer in `text`, once read: reading answers costs more than everything else the tree does. */
  answer?: { answer: string | null; key: string | null };
}

export interface MctsTree {
  /** Every node, by id. */
  nodes: MctsNode[];
}

/** A child as UCT saw it at one level of a selection, for the trace. */
export interface UctEntry {
  id: number;
  visits: number;
  /** Q/N; null before the first visit. */
  mean: number | null;
  /** null for +∞ (never visited): JSON has no infinity. */
  uct: number | null;
}

/** One level of a selection: the node, its children's UCT and the child taken. */
export interface SelectionLevel {
  node: number;
  children: UctEntry[];
  chosen: number;
}

export interface Selection {
  /** Node ids from the root to the selected leaf. */
  path: number[];
  levels: SelectionLevel[];
}

/** A tree holding only the root: the empty partial solution. */
export function createTree(): MctsTree {
  return {
    nodes: [
      {
        id: 0,
        depth: 0,
        text: "",
        step: "",
        children: [],
        expanded: false,
        visits: 0,
        total: 0,
        finished: false,
        terminal: false,
        sample: -1,
        usage: { promptTokens: 0, completionTokens: 0 },
      },
    ],
  };
}

/** What the caller knows of a new child; the tree fills in ids, depth and statistics. */
export interface ChildInit {
  text: string;
  step: string;
  finished: boolean;
  sample: number;
  usage: { promptTokens: number; completionTokens: number };
}

/** Adds a child under `parentId` and returns it (unvisited). */
export function addChild(tree: MctsTree, parentId: number, init: ChildInit): MctsNode {
  const parent = tree.nodes[parentId];
  // Fields spelled out, not spread from `init`: V8 builds spread objects on a slow path (~12 µs a
  // node against ~0.5), which showed in MCTS's time outside model calls.
  const node: MctsNode = {
    id: tree.nodes.length,
    parent: parentId,
    depth: parent.depth + 1,
    text: init.text,
    step: init.step,
    children: [],
    expanded: false,
    visits: 0,
    total: 0,
    finished: init.finished,
    terminal: init.finished,
    sample: init.sample,
    usage: init.usage,
  };
  tree.nodes.push(node);
  parent.children.push(node.id);
  return node;
}

/** Q/N, or null before the first visit. */
export function meanValue(node: MctsNode): number | null {
  return node.visits === 0 ? null : node.total / node.visits;
}

/** UCT of `child` under its parent with exploration constant `c`; +∞ for an unvisited child. */
export function uct(tree: MctsTree, child: MctsNode, c: number): number {
  if (child.visits === 0) return Number.POSITIVE_INFINITY;
  const parent = tree.nodes[child.parent ?? child.id];
  return child.total / child.visits + c * Math.sqrt(Math.log(Math.max(1, parent.visits)) / child.visits);
}

/**
 * Walks from the root to a leaf (a node not yet expanded, or one without children), taking the
 * highest-UCT child at every level; on a tie the earlier child wins, so the same tree always gives
 * the same path.
 */
export function selectLeaf(tree: MctsTree, c: number): Selection {
  const path = [0];
  const levels: SelectionLevel[] = [];
  let node = tree.nodes[0];
  while (node.expanded && node.children.length > 0) {
    const entries = node.children.map((id) => {
      const child = tree.nodes[id];
      const value = uct(tree, child, c);
      return { id, visits: child.visits, mean: meanValue(child), value };
    });
    let best = entries[0];
    for (const entry of entries) if (entry.value > best.value) best = entry;
    levels.push({
      node: node.id,
      children: entries.map(({ id, visits, mean, value }) => ({
        id,
        visits,
        mean,
        uct: Number.isFinite(value) ? value : null,
      })),
      chosen: best.id,
    });
    node = tree.nodes[best.id];
    path.push(node.id);
  }
  return { path, levels };
}

/**
 * Adds one visit with `value` to `nodeId` and every ancestor up to the root; returns the ids
 * updated, leaf first.
 */
export function backup(tree: MctsTree, nodeId: number, value: number): number[] {
  const updated: number[] = [];
  for (let id: number | undefined = nodeId; id !== undefined; id = tree.nodes[id].parent) {
    const node = tree.nodes[id];
    node.visits += 1;
    node.total += value;
    updated.push(id);
  }
  return updated;
}

/** Node ids from the root to `nodeId`. */
export function pathTo(tree: MctsTree, nodeId: number): number[] {
  const path: number[] = [];
  for (let id: number | undefined = nodeId; id !== undefined; id = tree.nodes[id].parent) path.push(id);
  return path.reverse();
}

/** How a finished path is ranked for the answer: its evaluated value, or how often search chose it. */
export type MctsSelect = "value" | "visits";

/**
 * Nodes ranked best first: by value (visits break ties) or by visits (value breaks ties); on a full
 * tie the earlier node first, so the choice is deterministic.
 */
export function rankNodes(nodes: readonly MctsNode[], by: MctsSelect): MctsNode[] {
  const value = (n: MctsNode) => n.value ?? 0;
  return [...nodes].sort((a, b) =>
    by === "value"
      ? value(b) - value(a) || b.visits - a.visits || a.id - b.id
      : b.visits - a.visits || value(b) - value(a) || a.id - b.id,
  );
}
