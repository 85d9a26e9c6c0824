import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addChild,
  backup,
  createTree,
  type MctsTree,
  meanValue,
  pathTo,
  rankNodes,
  selectLeaf,
  uct,
} from "../../src/strategies/mcts-tree.ts";

/** A child of `parent` (marked expanded) with the statistics given (visits N, total value Q). */
function child(tree: MctsTree, parent: number, visits: number, total: number, finished = false) {
  tree.nodes[parent].expanded = true;
  const node = addChild(tree, parent, {
    text: `${tree.nodes[parent].text}s${tree.nodes.length}\n\n`,
    step: `s${tree.nodes.length}`,
    finished,
    sample: tree.nodes.length - 1,
    usage: { promptTokens: 1, completionTokens: 1 },
  });
  node.visits = visits;
  node.total = total;
  return node;
}

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);

test("uct is Q/N plus c * sqrt(ln N_parent / N), hand-computed", () => {
  const tree = createTree();
  tree.nodes[0].visits = 10;
  const a = child(tree, 0, 6, 3);
  const b = child(tree, 0, 4, 3);
  // a: 3/6 + 1.5 * sqrt(ln 10 / 6); b: 3/4 + 1.5 * sqrt(ln 10 / 4).
  close(uct(tree, a, 1.5), 0.5 + 1.5 * Math.sqrt(Math.log(10) / 6));
  close(uct(tree, b, 1.5), 0.75 + 1.5 * Math.sqrt(Math.log(10) / 4));
  close(uct(tree, b, 0), 0.75);
  assert.equal(uct(tree, child(tree, 0, 0, 0), 1), Number.POSITIVE_INFINITY);
});

test("exploration flips the choice towards the rarely visited child", () => {
  const tree = createTree();
  tree.nodes[0].visits = 10;
  child(tree, 0, 1, 0.6); // mean 0.6, once
  child(tree, 0, 9, 6.3); // mean 0.7, nine times
  // c = 0: 0.6 < 0.7, take the better mean.
  assert.deepEqual(selectLeaf(tree, 0).path, [0, 2]);
  // c = 1: 0.6 + sqrt(ln 10 / 1) = 2.117 against 0.7 + sqrt(ln 10 / 9) = 1.206.
  const explored = selectLeaf(tree, 1);
  assert.deepEqual(explored.path, [0, 1]);
  const [level] = explored.levels;
  assert.equal(level.node, 0);
  assert.equal(level.chosen, 1);
  close(level.children[0].uct ?? Number.NaN, 0.6 + Math.sqrt(Math.log(10)));
  close(level.children[1].uct ?? Number.NaN, 0.7 + Math.sqrt(Math.log(10) / 9));
  close(level.children[1].mean ?? Number.NaN, 0.7);
});

test("an unvisited child is taken before any visited one; ties go to the earlier child", () => {
  const tree = createTree();
  tree.nodes[0].visits = 3;
  child(tree, 0, 2, 1.8);
  child(tree, 0, 1, 0.9);
  child(tree, 0, 0, 0);
  child(tree, 0, 0, 0);
  const selection = selectLeaf(tree, 1);
  assert.deepEqual(selection.path, [0, 3], "the first unvisited child");
  assert.equal(selection.levels[0].children[2].uct, null, "+∞ is written as null");
  assert.equal(selection.levels[0].children[2].mean, null);
  // Equal statistics: the earlier child wins, every time.
  const twins = createTree();
  twins.nodes[0].visits = 4;
  child(twins, 0, 2, 1);
  child(twins, 0, 2, 1);
  assert.deepEqual(selectLeaf(twins, 1).path, [0, 1]);
});

test("selection descends level by level to a leaf", () => {
  const tree = createTree();
  tree.nodes[0].visits = 6;
  const a = child(tree, 0, 4, 3.2); // mean 0.8
  child(tree, 0, 2, 0.4); // mean 0.2
  child(tree, a.id, 1, 0.1); // id 3
  child(tree, a.id, 3, 2.7); // id 4, mean 0.9
  const leaf = child(tree, 4, 0, 0); // id 5
  const selection = selectLeaf(tree, 0);
  assert.deepEqual(selection.path, [0, 1, 4, 5]);
  assert.deepEqual(
    selection.levels.map((l) => [l.node, l.chosen]),
    [
      [0, 1],
      [1, 4],
      [4, 5],
    ],
  );
  assert.equal(leaf.depth, 3);
  assert.deepEqual(pathTo(tree, leaf.id), [0, 1, 4, 5]);
  // A root without children is its own leaf.
  assert.deepEqual(selectLeaf(createTree(), 1), { path: [0], levels: [] });
});

test("a node whose children came from a rollout, not its own expansion, is the leaf to expand", () => {
  const tree = createTree();
  tree.nodes[0].visits = 2;
  const a = child(tree, 0, 1, 0.9);
  child(tree, 0, 1, 0.1);
  const chained = addChild(tree, a.id, {
    text: `${a.text}rolled\n\n`,
    step: "rolled",
    finished: false,
    sample: 9,
    usage: { promptTokens: 0, completionTokens: 0 },
  });
  chained.visits = 1;
  chained.total = 0.9;
  assert.equal(a.expanded, false);
  assert.deepEqual(selectLeaf(tree, 0).path, [0, a.id]);
  a.expanded = true;
  assert.deepEqual(selectLeaf(tree, 0).path, [0, a.id, chained.id]);
});

test("backup adds one visit and the value to the node and each ancestor, never to siblings", () => {
  const tree = createTree();
  const a = child(tree, 0, 0, 0);
  const b = child(tree, 0, 0, 0);
  const a1 = child(tree, a.id, 0, 0);
  assert.deepEqual(backup(tree, a1.id, 0.25), [a1.id, a.id, 0]);
  backup(tree, a1.id, 0.75);
  backup(tree, b.id, 1);
  assert.deepEqual(
    tree.nodes.map((n) => [n.visits, n.total]),
    [
      [3, 2],
      [2, 1],
      [1, 1],
      [2, 1],
    ],
  );
  assert.equal(meanValue(tree.nodes[0]), 2 / 3);
  assert.equal(meanValue(a1), 0.5);
});

test("finished children are terminal; depth, text and usage are kept", () => {
  const tree = createTree();
  const step = addChild(tree, 0, {
    text: "x\n\n",
    step: "x",
    finished: false,
    sample: 0,
    usage: { promptTokens: 5, completionTokens: 2 },
  });
  const end = addChild(tree, step.id, {
    text: "x\n\n\\boxed{1}",
    step: "\\boxed{1}",
    finished: true,
    sample: 4,
    usage: { promptTokens: 11, completionTokens: 5 },
  });
  assert.deepEqual([step.terminal, end.terminal, end.depth, end.parent], [false, true, 2, step.id]);
  assert.deepEqual(tree.nodes[step.id].children, [end.id]);
});

test("ranking by value breaks ties by visits, by visits breaks ties by value, then the earlier node", () => {
  const tree = createTree();
  const a = child(tree, 0, 5, 0, true);
  const b = child(tree, 0, 2, 0, true);
  const c = child(tree, 0, 5, 0, true);
  const d = child(tree, 0, 1, 0, true);
  a.value = 0.5;
  b.value = 0.9;
  c.value = 0.5;
  d.value = 0.9;
  const ids = (by: "value" | "visits") => rankNodes([d, c, b, a], by).map((n) => n.id);
  assert.deepEqual(ids("value"), [b.id, d.id, a.id, c.id]);
  assert.deepEqual(ids("visits"), [a.id, c.id, b.id, d.id]);
});
