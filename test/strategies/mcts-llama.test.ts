/**
 * MCTS end to end on real llama.cpp with the builtin tiny-reasoner (raw prompts, "\n" between steps):
 * prefill continues the raw prompt, steps stop at the break, rollouts run to the model's end and join
 * the tree, and the same seed grows the same tree. What the model answers is not asserted.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { resolveModel } from "../../src/models/registry.ts";
import type { ModelBackend } from "../../src/models/types.ts";
import { solve } from "../../src/strategies/index.ts";
import type { MctsDetails } from "../../src/strategies/mcts.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import type { DecisionNode } from "../../src/trace/types.ts";
import { assertTraceComplete, nodes } from "./fixtures.ts";

let policy: ModelBackend;
before(async () => {
  policy = await resolveModel("builtin:tiny-reasoner", { threads: 1 });
});
after(async () => {
  await policy.close();
});

const problem = { id: "sums-1", messages: [{ role: "user" as const, content: "Compute 4+7+3+5." }] };
const options = {
  simulations: 4,
  expansions: 2,
  stepBreak: "\n",
  stepTokens: 12,
  maxTokens: 48,
  maxDepth: 8,
};

async function run(seed: number) {
  const trace = new TraceRecorder();
  const solution = await solve(problem, {
    strategy: "mcts",
    options,
    backends: { policy },
    seed,
    trace,
    budget: { maxCalls: 40 },
  });
  return { solution: { ...solution, details: solution.details as MctsDetails }, trace: trace.trace };
}

test("mcts on the builtin tiny-reasoner: steps stop at the break, rollouts finish, the tree is traced", async () => {
  const { solution, trace } = await run(3);
  const generates = nodes(trace, "generate");
  const steps = generates.filter((g) => g.data.request.stop !== undefined);
  assert.ok(steps.length >= 1);
  assert.ok(steps.every((g) => (g.data.request.stop as string[])[0] === "\n"));
  assert.ok(
    steps.every((g) => g.data.completions?.every((c) => !c.text.includes("\n"))),
    "a step never runs past its break",
  );
  // Every expansion after the root's continues a partial solution that ends at a break.
  assert.ok(
    steps
      .map((g) => g.data.request.assistantPrefix as string | undefined)
      .filter((prefix) => prefix !== undefined)
      .every((prefix) => prefix.endsWith("\n")),
  );
  // Rollouts ran to the model's end: the chosen path is a finished solution from the tree.
  assert.equal(solution.details.finished, true);
  assert.ok(solution.details.terminals.length >= 1);
  assert.deepEqual(solution.details.bestPath[0], 0);
  assert.ok(solution.candidates.some((c) => c.text === solution.text));
  assert.equal(solution.details.simulations, 4);
  const names = new Set(nodes(trace, "decision").map((d: DecisionNode) => d.name));
  for (const name of ["select", "expand", "evaluate", "backup", "answer"]) assert.ok(names.has(name), name);
  assertTraceComplete(trace);
});

test("mcts on real llama.cpp: the same seed grows the same tree", async () => {
  const [a, b] = [await run(11), await run(11)];
  const decisions = (t: typeof a.trace) => nodes(t, "decision").map((d) => [d.name, d.data.facts]);
  assert.deepEqual(decisions(a.trace), decisions(b.trace));
  assert.equal(a.solution.text, b.solution.text);
});
