import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { beam } from "../../src/strategies/beam.ts";
import { dvts } from "../../src/strategies/dvts.ts";
import { solve } from "../../src/strategies/index.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import type { DecisionNode } from "../../src/trace/types.ts";
import { constraints } from "../../src/verifiers/index.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

/**
 * Steps "step D value V" whose value depends on the call and sample; after two steps the model
 * writes a boxed answer. The text after the step break is cut by the stop string.
 */
function stepper() {
  return new ScriptedBackend({
    script: ({ request, call, sample }) => {
      const depth = (request.assistantPrefix ?? "").split("\n\n").length - 1;
      const value = (call * 7 + sample * 3) % 10;
      if (depth >= 2) return `Therefore \\boxed{${value}}.`;
      return `step ${depth} value ${value}\n\nmore text the stop string cuts`;
    },
  });
}

/** Scores a partial trace by its last value (or boxed answer) / 10: a PRM with a known ranking. */
const lastValue = constraints({
  value: (candidate) => {
    const values = [...candidate.text.matchAll(/value (\d)|boxed\{(\d)\}/g)].map((m) => Number(m[1] ?? m[2]));
    return (values.at(-1) ?? 0) / 10;
  },
});

type Scored = { id: number; score: number };

/** A decision's facts: every expand, prune and select decision records them. */
function facts(decision: DecisionNode): Readonly<Record<string, unknown>> {
  assert.ok(decision.data.facts, `the ${decision.name} decision records its facts`);
  return decision.data.facts;
}

test("beam keeps the top B partial traces by verifier score at every step", async () => {
  const policy = stepper();
  const ctx = context(policy);
  const solution = await beam(problem, ctx, {
    beamWidth: 2,
    expansions: 3,
    verifier: lastValue,
    maxDepth: 5,
  });
  const prunes = nodes(ctx.trace.trace, "decision").filter((d) => d.name === "prune");
  assert.equal(prunes.length, 3);
  for (const prune of prunes.slice(0, 2)) {
    const kept = facts(prune).kept as Scored[];
    const pruned = facts(prune).pruned as Scored[];
    assert.equal(kept.length, 2);
    assert.equal(kept.length + pruned.length, 6, "B*K children per step");
    const worstKept = Math.min(...kept.map((k) => k.score));
    assert.ok(
      pruned.every((p) => p.score <= worstKept),
      JSON.stringify(prune.data),
    );
  }
  // Depth 1 is one native-n call of B*K = 6 (values 0,3,6,9,2,5): the kept are 9 and 6, and
  // they are exactly what depth 2 continues.
  assert.deepEqual(
    (facts(prunes[0]).kept as Scored[]).map((k) => k.score),
    [0.9, 0.6],
  );
  const depth2 = policy.calls.slice(1, 3).map((c) => c.assistantPrefix);
  assert.deepEqual(depth2, ["step 0 value 9\n\n", "step 0 value 6\n\n"]);
  assert.ok(policy.calls.slice(1).every((c) => c.n === 3 && c.stop?.[0] === "\n\n"));
  // Depth 3 writes boxed answers 1,4,7 and 8,1,4: every trace is finished, the best leaf is 8.
  assert.equal(solution.key, "8");
  assert.equal(solution.confidence, 0.8);
  assert.match(solution.text, /^step 0 value \d\n\nstep 1 value \d\n\nTherefore \\boxed\{8\}\.$/);
  // The leaves the answer was chosen from are the candidates, each with its verifier score.
  assert.equal(solution.candidates.length, 6);
  assert.ok(solution.candidates.every((c) => typeof c.score === "number"));
  assert.equal(Math.max(...solution.candidates.map((c) => c.score ?? 0)), 0.8);
  assert.equal(solution.details.depth, 3);
  assert.deepEqual(nodes(ctx.trace.trace, "strategy")[0].data.details, solution.details);
  assert.equal(nodes(ctx.trace.trace, "score").length, 6 + 6 + 6);
  assert.equal(nodes(ctx.trace.trace, "decision").filter((d) => d.name === "expand").length, 3);
  assertTraceComplete(ctx.trace.trace);
});

test("the last allowed step runs to the end without a step break", async () => {
  const policy = stepper();
  const ctx = context(policy);
  const solution = await beam(problem, ctx, {
    beamWidth: 1,
    expansions: 2,
    verifier: lastValue,
    maxDepth: 2,
    maxTokens: 50,
  });
  assert.equal(policy.calls.length, 2);
  assert.equal(policy.calls[1].stop, undefined);
  assert.equal(policy.calls[1].maxTokens, 50);
  assert.match(solution.text, /more text the stop string cuts$/, "nothing cut the final step");
  assert.equal(solution.details.finished, true);
});

test("the default step judge prunes the steps the verifier says No to", async () => {
  const policy = new ScriptedBackend({
    script: ({ request, sample }) =>
      request.assistantPrefix ? "So \\boxed{42}." : sample % 2 ? "a bad step\n\n" : "a sound step\n\n",
  });
  const verifier = new ScriptedBackend({
    id: "prm",
    script: ({ request }) =>
      /so far:\n[\s\S]*bad step/.test(request.messages?.at(-1)?.content ?? "") ? "No" : "Yes",
  });
  const ctx = context(policy, { backends: { policy, verifier } });
  const solution = await beam(problem, ctx, { beamWidth: 2, expansions: 2 });
  assert.equal(solution.key, "42");
  assert.match(solution.text, /^a sound step/);
  const prune = nodes(ctx.trace.trace, "decision").find((d) => d.name === "prune");
  assert.ok(prune);
  assert.deepEqual(
    (facts(prune).kept as Scored[]).map((k) => k.score),
    [1, 1],
  );
  assert.ok(verifier.calls.every((c) => c.maxTokens === 1 && c.logprobs !== undefined));
  assert.ok(verifier.calls.length >= 4);
});

test("dvts runs N/B independent subtrees that each keep one trace, and takes the best leaf", async () => {
  const policy = stepper();
  const ctx = context(policy);
  const solution = await dvts(problem, ctx, { samples: 6, expansions: 3, verifier: lastValue });
  const prunes = nodes(ctx.trace.trace, "decision").filter((d) => d.name === "prune");
  assert.deepEqual([...new Set(prunes.map((p) => facts(p).subtree))].sort(), [0, 1]);
  for (const prune of prunes) {
    const kept = facts(prune).kept as Scored[];
    const pruned = facts(prune).pruned as Scored[];
    if (kept.length === 0) continue;
    assert.equal(kept.length, 1);
    assert.ok(pruned.every((p) => p.score <= kept[0].score));
  }
  // One call of n = B per subtree and step; three steps each.
  assert.equal(policy.calls.length, 6);
  assert.ok(policy.calls.every((c) => c.n === 3));
  const firstSeeds = policy.calls.filter((c) => !c.assistantPrefix).map((c) => c.seed);
  assert.equal(new Set(firstSeeds).size, 2, "subtrees sample from different seeds");
  const select = nodes(ctx.trace.trace, "decision").find((d) => d.name === "select");
  assert.ok(select);
  const scores = (facts(select).scores as Array<{ score: number }>).map((s) => s.score);
  assert.equal(solution.confidence, Math.max(...scores));
  assert.equal(Number(solution.key) / 10, solution.confidence);
  assert.equal(solution.details.subtrees, 2);
  assert.equal(solution.candidates.length, 2, "each subtree's chosen trace");
  assertTraceComplete(ctx.trace.trace);
});

test("beam under a call budget stops searching and answers with what it has", async () => {
  const policy = stepper();
  const ctx = context(policy, {}, { maxCalls: 2 });
  const solution = await beam(problem, ctx, { beamWidth: 2, expansions: 2, verifier: lastValue });
  assert.ok(ctx.ledger.calls() <= 2);
  assert.ok(solution.text.startsWith("step 0"));
  assert.match(solution.details.stopped, /budget/);
});

test("beam: abort stops every in-flight generation", async () => {
  const policy = new ScriptedBackend({
    answers: { "1": 1 },
    delayMs: 10_000,
    capabilities: { nativeN: false },
  });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(
    solve(problem, {
      strategy: "beam",
      options: { beamWidth: 2, expansions: 2 },
      backends: { policy },
      signal: controller.signal,
    }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "ABORTED",
  );
  assert.equal(policy.calls.length, 4);
  assert.equal(policy.aborted, 4);
  assert.equal(policy.inFlight, 0);
});

test("step search needs a backend that prefills: BAD_REQUEST before any call", async () => {
  const policy = new ScriptedBackend({ answers: { "1": 1 }, capabilities: { prefill: false } });
  for (const run of [() => beam(problem, context(policy)), () => dvts(problem, context(policy))]) {
    await assert.rejects(
      run(),
      (e: unknown) => DeliberateError.isInstance(e) && e.code === "BAD_REQUEST" && /prefill/.test(e.message),
    );
  }
  assert.equal(policy.calls.length, 0);
});
