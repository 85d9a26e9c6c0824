import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import type { Problem, RunContext } from "../../src/run/types.ts";
import { solve } from "../../src/strategies/index.ts";
import { mcts } from "../../src/strategies/mcts.ts";
import { type ScriptContext, ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import type { DecisionNode } from "../../src/trace/types.ts";
import type { StepScorer } from "../../src/verifiers/step-scorers/types.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

const BAD = "Add: 6+7 = 13, so about 41.";
const GOOD = "Multiply: 6*7 = 42.";

/**
 * A policy whose first step is right once in three samples (sample 1) and wrong otherwise; the
 * second step writes the answer its first step leads to. Plain voting over the first step would
 * answer 41.
 */
function twoWays() {
  return new ScriptedBackend({
    script: ({ request, sample }) => {
      const prefix = request.assistantPrefix ?? "";
      if (prefix === "") return `${sample % 3 === 1 ? GOOD : BAD}\n\ntext the stop string cuts`;
      return prefix.includes("42") ? "So \\boxed{42}." : "So \\boxed{41}.";
    },
  });
}

/** A PRM that knows which steps are right: 0.9 for a prefix ending well, 0.2 otherwise. */
function knowingPrm() {
  const seen: string[][] = [];
  const scorer: StepScorer = {
    name: "test-prm",
    async scoreSteps(_problem: Problem, steps: string[], _ctx: RunContext) {
      seen.push(steps);
      return { scores: steps.map((s) => (/Multiply|boxed\{42\}/.test(s) ? 0.9 : 0.2)), method: "test" };
    },
  };
  return { scorer, seen };
}

function decisions(trace: TraceRecorder, name: string): DecisionNode[] {
  return nodes(trace.trace, "decision").filter((d) => d.name === name);
}

function facts(decision: DecisionNode): Record<string, unknown> {
  assert.ok(decision.data.facts, `the ${decision.name} decision records its facts`);
  return decision.data.facts as Record<string, unknown>;
}

test("mcts with a PRM finds the minority right path (hand-computed UCT over four simulations)", async () => {
  const policy = twoWays();
  const { scorer, seen } = knowingPrm();
  const ctx = context(policy);
  const solution = await mcts(problem, ctx, { value: scorer, simulations: 4, expansions: 3 });
  assert.equal(solution.key, "42");
  assert.equal(solution.confidence, 0.9);
  assert.equal(solution.text, `${GOOD}\n\nSo \\boxed{42}.`);
  // Sim 0 expands the root: samples 0 and 2 write the same wrong step and merge (node 1), sample 1 is
  // node 2. Sim 1: both visited once, 0.9 beats 0.2 at equal bonus, node 2 expands into node 3
  // (\boxed{42}, three identical samples). Sim 2 reselects node 3, a finished leaf. Sim 3: node 1's
  // 0.2 + √2·sqrt(ln 4 / 1) = 1.8651 edges out node 2's 0.9 + √2·sqrt(ln 4 / 3) = 1.8613.
  const selects = decisions(ctx.trace, "select").map((d) => facts(d).path);
  assert.deepEqual(selects, [[0], [0, 2], [0, 2, 3], [0, 1]]);
  const expands = decisions(ctx.trace, "expand").map((d) => facts(d));
  assert.deepEqual(
    expands.map((f) => [f.node, (f.children as Array<{ id: number }>).map((c) => c.id), f.merged]),
    [
      [0, [1, 2], [{ sample: 2, into: 1 }]],
      [
        2,
        [3],
        [
          { sample: 4, into: 3 },
          { sample: 5, into: 3 },
        ],
      ],
      [
        1,
        [4],
        [
          { sample: 7, into: 4 },
          { sample: 8, into: 4 },
        ],
      ],
    ],
  );
  const backups = decisions(ctx.trace, "backup");
  assert.match(backups[2].data.reason ?? "", /terminal/);
  const lastBackup = facts(backups[3]).nodes as Array<{ id: number; visits: number; mean: number }>;
  const root = lastBackup.find((n) => n.id === 0);
  assert.equal(root?.visits, 5);
  assert.ok(Math.abs((root?.mean ?? 0) - (0.2 + 0.9 + 0.9 + 0.9 + 0.2) / 5) < 1e-12);
  // The PRM saw each new node's steps once, breaks removed; the finished leaf was not rescored.
  assert.deepEqual(seen, [[BAD], [GOOD], [GOOD, "So \\boxed{42}."], [BAD, "So \\boxed{41}."]]);
  assert.equal(policy.calls.length, 3, "one call of n = 3 per expansion, none to revisit");
  assert.ok(policy.calls.every((c) => c.n === 3 && c.stop?.[0] === "\n\n" && c.temperature === 0.8));
  assert.deepEqual(
    policy.calls.map((c) => c.assistantPrefix),
    [undefined, `${GOOD}\n\n`, `${BAD}\n\n`],
  );
  // The answer was chosen among the finished paths, each scored with its value.
  assert.deepEqual(
    solution.candidates.map((c) => [c.index, c.key, c.score]),
    [
      [3, "42", 0.9],
      [6, "41", 0.2],
    ],
  );
  const { details } = solution;
  assert.equal(details.value, "test-prm");
  assert.equal(details.aggregation, "last");
  assert.deepEqual([details.simulations, details.nodes, details.depth], [4, 4, 2]);
  assert.deepEqual(details.bestPath, [0, 2, 3]);
  assert.deepEqual(
    details.terminals.map((t) => [t.node, t.key, t.value, t.visits]),
    [
      [3, "42", 0.9, 2],
      [4, "41", 0.2, 1],
    ],
  );
  assert.match(details.stopped, /all 4 simulations/);
  assert.deepEqual(nodes(ctx.trace.trace, "strategy")[0].data.details, details);
  assert.equal(nodes(ctx.trace.trace, "score").length, 4, "one score node per evaluation");
  assertTraceComplete(ctx.trace.trace);
});

test("aggregation turns per-step scores into a node's value", async () => {
  const scorer: StepScorer = {
    name: "fixed",
    scoreSteps: async (_p, steps) => ({ scores: steps.map((_, i) => [0.5, 0.8][i] ?? 1), method: "fixed" }),
  };
  const values: Record<string, number> = {};
  for (const aggregation of ["last", "min", "product", "mean"] as const) {
    const solution = await mcts(problem, context(twoWays()), {
      value: scorer,
      aggregation,
      simulations: 2,
      expansions: 1,
    });
    values[aggregation] = solution.confidence;
  }
  // The answer path has two steps scored 0.5 and 0.8.
  assert.deepEqual(values, { last: 0.8, min: 0.5, product: 0.4, mean: 0.65 });
});

/**
 * Three first steps a, b, c. A rollout (no stop string) writes "then y" and 42, or from c "then z"
 * and 41; an expansion below the first step samples "then y", "then w", "then y".
 */
function threeSteps() {
  return new ScriptedBackend({
    script: ({ request, sample }) => {
      const prefix = request.assistantPrefix ?? "";
      if (prefix === "") return `step ${"abc"[sample]}\n\n`;
      if (request.stop === undefined) {
        return prefix.startsWith("step c") ? "then z\n\nSo \\boxed{41}." : "then y\n\nSo \\boxed{42}.";
      }
      return `then ${"ywy"[sample]}\n\nmore`;
    },
  });
}

test("simulation: rollouts join the tree as chains, valued by the share of answers that agree", async () => {
  const policy = threeSteps();
  const ctx = context(policy);
  const solution = await mcts(problem, ctx, { simulations: 3, expansions: 3, maxTokens: 64 });
  const evaluated = decisions(ctx.trace, "evaluate").map((d) =>
    (facts(d).values as Array<{ node: number; value: number; method: string; chain?: number[] }>).map((v) => [
      v.node,
      v.value,
      v.method,
      v.chain,
    ]),
  );
  // Sim 0: a, b, c (nodes 1-3) roll out to 42, 42, 41, chains 4-5, 6-7, 8-9: shares 2/3, 2/3, 1/3.
  // Sim 1 ties a and b and takes a; "then y" is a's chain step already, "then w" (node 10) is new and
  // rolls out to 42: 3 of 4. Sim 2: b's bonus is the largest (0.667 + √2·sqrt(ln 4) = 2.332 against
  // a's 1.886 and c's 1.998); its new "then w" (13) rolls out to 42: 4 of 5.
  assert.deepEqual(evaluated, [
    [
      [1, 2 / 3, "simulation", [4, 5]],
      [2, 2 / 3, "simulation", [6, 7]],
      [3, 1 / 3, "simulation", [8, 9]],
    ],
    [[10, 3 / 4, "simulation", [11, 12]]],
    [[13, 4 / 5, "simulation", [14, 15]]],
  ]);
  const expands = decisions(ctx.trace, "expand").map((d) => facts(d));
  assert.deepEqual(
    expands.map((f) => [f.node, (f.children as Array<{ id: number }>).map((c) => c.id), f.merged]),
    [
      [0, [1, 2, 3], []],
      [
        1,
        [10],
        [
          { sample: 6, into: 4 },
          { sample: 8, into: 4 },
        ],
      ],
      [
        2,
        [13],
        [
          { sample: 10, into: 6 },
          { sample: 12, into: 6 },
        ],
      ],
    ],
  );
  // The answer weighs every answer the search saw: 42 four times in five.
  assert.equal(solution.key, "42");
  assert.equal(solution.confidence, 0.8);
  assert.equal(solution.text, "step a\n\nthen y\n\nSo \\boxed{42}.");
  assert.deepEqual(solution.details.bestPath, [0, 1, 4, 5]);
  assert.deepEqual(
    solution.candidates.map((c) => [c.index, c.key, c.score]),
    [
      [3, "42", 0.8],
      [4, "42", 0.8],
      [5, "41", 0.2],
      [9, "42", 0.8],
      [13, "42", 0.8],
    ],
  );
  // One expansion call per simulation and one rollout per new child: 3 + 5 calls.
  assert.equal(policy.calls.length, 8);
  const rollouts = policy.calls.filter((c) => c.n === 1);
  assert.deepEqual(
    rollouts.map((c) => [c.assistantPrefix, c.stop, c.maxTokens]),
    ["step a\n\n", "step b\n\n", "step c\n\n", "step a\n\nthen w\n\n", "step b\n\nthen w\n\n"].map((p) => [
      p,
      undefined,
      64,
    ]),
  );
  // Expansions and rollouts never share a seed.
  const seeds = policy.calls.map((c) => c.seed);
  assert.equal(new Set(seeds).size, seeds.length);
  assert.equal(solution.details.value, "simulation");
  assert.equal(solution.details.aggregation, undefined);
  assert.equal(solution.details.nodes, 15);
  assertTraceComplete(ctx.trace.trace);
});

test("a step scorer's search that never reaches the end: the policy finishes the most visited path", async () => {
  const policy = twoWays();
  const { scorer, seen } = knowingPrm();
  const ctx = context(policy);
  const solution = await mcts(problem, ctx, { value: scorer, simulations: 1, expansions: 3 });
  // One simulation expands the root (0.2 and 0.9, one visit each): the better value breaks the tie.
  assert.equal(solution.key, "42");
  assert.equal(solution.confidence, 0.9);
  assert.equal(policy.calls.length, 2);
  assert.deepEqual(
    [policy.calls[1].assistantPrefix, policy.calls[1].stop, policy.calls[1].maxTokens],
    [`${GOOD}\n\n`, undefined, 1024],
  );
  assert.deepEqual(seen.at(-1), [GOOD, "So \\boxed{42}."]);
  const finish = decisions(ctx.trace, "finish")[0];
  assert.deepEqual(facts(finish).path, [0, 2, 3]);
  assert.equal(solution.details.finished, true);
});

test("select: visits answers with the path the search chose most often, value with the best-rated", async () => {
  // The wrong first step is rated 0.3, its finished path 0.95; the right path 0.9 throughout. With
  // c = 1 the search revisits the right path's finished node three times (sims 1-3) before the bonus
  // of the wrong step (0.3 + sqrt(ln 5) = 1.569 > 0.9 + sqrt(ln 5 / 4) = 1.534) lets sim 4 finish it.
  const scorer: StepScorer = {
    name: "late-favourite",
    scoreSteps: async (_p, steps) => ({
      scores: steps.map((s) => (s.includes("boxed{41}") ? 0.95 : s === BAD ? 0.3 : 0.9)),
      method: "test",
    }),
  };
  const run = (select: "value" | "visits") =>
    mcts(problem, context(twoWays()), {
      value: scorer,
      simulations: 5,
      expansions: 3,
      exploration: 1,
      select,
    });
  const byValue = await run("value");
  const byVisits = await run("visits");
  assert.equal(byValue.key, "41");
  assert.equal(byVisits.key, "42");
  assert.deepEqual(
    byVisits.details.terminals.map((t) => [t.key, t.visits, t.value]),
    [
      ["42", 3, 0.9],
      ["41", 1, 0.95],
    ],
  );
  assert.deepEqual(
    byValue.details.terminals.map((t) => t.key),
    ["41", "42"],
  );
});

test("mutual verification: the best path the discriminator agrees with wins over a higher value", async () => {
  // The PRM prefers the 41 path; the discriminator, shown the first half of each path, completes
  // both to 42, so only the 42 path is mutually consistent.
  const fooled: StepScorer = {
    name: "fooled",
    scoreSteps: async (_p, steps) => ({
      scores: steps.map((s) => (/41|Add/.test(s) ? 0.95 : 0.6)),
      method: "test",
    }),
  };
  const verifier = new ScriptedBackend({ id: "discriminator", script: () => "So \\boxed{42}." });
  const options = { value: fooled, simulations: 4, expansions: 3 };
  const plain = await mcts(problem, context(twoWays()), options);
  assert.equal(plain.key, "41");
  const ctx = context(twoWays(), { backends: { policy: twoWays(), verifier } });
  const checked = await mcts(problem, ctx, { ...options, mutualVerification: true, verifyTop: 2 });
  assert.equal(checked.key, "42");
  assert.deepEqual(
    checked.details.mutual?.map((m) => [m.key, m.agrees, m.shown]),
    [
      ["42", false, 1],
      ["42", true, 1],
    ],
  );
  assert.equal(verifier.calls.length, 2);
  assert.deepEqual(
    verifier.calls.map((c) => [c.assistantPrefix, c.temperature]),
    [
      [`${BAD}\n\n`, 0],
      [`${GOOD}\n\n`, 0],
    ],
  );
  const answer = decisions(ctx.trace, "answer")[0];
  assert.match(answer.data.reason ?? "", /discriminator/);
  assert.equal(nodes(ctx.trace.trace, "score").filter((s) => s.name === "mutual-verification").length, 2);
  assertTraceComplete(ctx.trace.trace);
});

test("same seed, same tree: decisions and requests repeat exactly; another seed differs", async () => {
  const random = () =>
    new ScriptedBackend({
      script: ({ request, random }: ScriptContext) => {
        const depth = (request.assistantPrefix ?? "").split("\n\n").length - 1;
        const digit = Math.floor(random() * 4);
        return depth >= 2 || request.stop === undefined ? `So \\boxed{${digit}}.` : `step ${digit}\n\n`;
      },
    });
  const run = async (seed: number) => {
    const policy = random();
    const ctx = context(policy, { seed });
    const solution = await mcts(problem, ctx, { simulations: 6, expansions: 2, maxDepth: 4 });
    const record = ctx.trace.trace.nodes.map((n) =>
      n.kind === "decision"
        ? [n.name, n.data]
        : n.kind === "generate"
          ? [n.kind, n.data.request, n.data.completions?.map((c) => c.text)]
          : [n.kind, n.name],
    );
    return { solution, record, calls: policy.calls };
  };
  const [a, b, other] = [await run(7), await run(7), await run(8)];
  assert.deepEqual(a.record, b.record);
  assert.deepEqual(a.calls, b.calls);
  assert.equal(a.solution.text, b.solution.text);
  assert.deepEqual(a.solution.details, b.solution.details);
  assert.notDeepEqual(
    a.calls.map((c) => c.seed),
    other.calls.map((c) => c.seed),
  );
});

test("options errors name the option", async () => {
  const policy = twoWays();
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ simulations: 0 }, /`simulations`/],
    [{ expansions: 1.5 }, /`expansions`/],
    [{ exploration: -1 }, /`exploration`/],
    [{ value: "oracle" }, /`value`/],
    [{ aggregation: "max" }, /`aggregation`/],
    [{ select: "best" }, /`select`/],
    [{ verifyPrefix: 1 }, /`verifyPrefix`/],
    [{ verifyTop: 0 }, /`verifyTop`/],
    [{ simulation: 4 }, /unknown option `simulation`; did you mean `simulations`/],
    // Settings that would change nothing are refused, not dropped.
    [{ aggregation: "min" }, /option `aggregation`: applies only to a step scorer's values/],
    [{ verifyTop: 2 }, /option `verifyTop`: applies only with `mutualVerification`/],
    [{ verifyPrefix: 0.3 }, /option `verifyPrefix`: applies only with `mutualVerification`/],
    [{ verifier: "judge" }, /unknown option `verifier`/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(
      mcts(problem, context(policy), options),
      (e: unknown) => DeliberateError.isInstance(e) && e.code === "BAD_REQUEST" && message.test(e.message),
      JSON.stringify(options),
    );
  }
  assert.equal(policy.calls.length, 0);
});

test("mcts needs a policy that prefills, and a discriminator that does for mutual verification", async () => {
  const noPrefill = new ScriptedBackend({ answers: { "1": 1 }, capabilities: { prefill: false } });
  await assert.rejects(
    mcts(problem, context(noPrefill)),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "BAD_REQUEST" && /prefill/.test(e.message),
  );
  const policy = twoWays();
  await assert.rejects(
    mcts(problem, context(policy, { backends: { policy, verifier: noPrefill } }), {
      mutualVerification: true,
    }),
    (e: unknown) =>
      DeliberateError.isInstance(e) && e.code === "BAD_REQUEST" && /mutual verification/.test(e.message),
  );
  assert.equal(policy.calls.length + noPrefill.calls.length, 0);
});

test("abort mid-search: the in-flight expansion sees it and the solve rejects with ABORTED", async () => {
  const policy = new ScriptedBackend({
    script: ({ request }) => (request.assistantPrefix ? "more\n\n" : "first\n\n"),
    tokenDelayMs: 5,
  });
  const { scorer } = knowingPrm();
  const controller = new AbortController();
  const trace = new TraceRecorder();
  // Abort as the second simulation's expansion starts: one simulation is done, one is in flight.
  trace.on((event) => {
    if (event.type === "start" && event.node.kind === "generate" && event.node.data.request.assistantPrefix) {
      controller.abort();
    }
  });
  await assert.rejects(
    solve(problem, {
      strategy: "mcts",
      options: { value: scorer, simulations: 8 },
      backends: { policy },
      signal: controller.signal,
      trace,
    }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "ABORTED",
  );
  assert.equal(policy.calls.length, 2);
  assert.equal(policy.inFlight, 0);
  assert.equal(policy.aborted, 3, "every sample of the in-flight call saw the abort");
  assert.equal(decisions(trace, "backup").length, 1);
  assert.ok(trace.trace.error);
  assert.ok(trace.trace.nodes.every((n) => n.endedAt !== undefined));
});
