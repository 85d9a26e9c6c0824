import assert from "node:assert/strict";
import { test } from "node:test";
import { selfConsistency } from "../../src/strategies/self-consistency.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

/** 40% correct, the rest spread evenly over three distractors. */
const DISTRIBUTION = { "42": 0.4, "41": 0.2, "43": 0.2, "44": 0.2 };

/**
 * Exact probability that plain majority voting over n samples picks `target`, ties split evenly
 * (the vote breaks ties by first appearance, which is uniform among equally-counted keys).
 */
function majorityProbability(probabilities: number[], target: number, n: number): number {
  let total = 0;
  const counts = new Array(probabilities.length).fill(0);
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const visit = (position: number, left: number) => {
    if (position === probabilities.length - 1) {
      counts[position] = left;
      let p = factorial(n);
      counts.forEach((c, i) => {
        p *= probabilities[i] ** c / factorial(c);
      });
      const best = Math.max(...counts);
      const tied = counts.filter((c) => c === best).length;
      if (counts[target] === best) total += p / tied;
      return;
    }
    for (let c = 0; c <= left; c++) {
      counts[position] = c;
      visit(position + 1, left - c);
    }
  };
  visit(0, n);
  return total;
}

test("accuracy matches the majority-vote probability within sampling error", async () => {
  const samples = 7;
  const trials = 400;
  // Integer-like keys iterate in numeric order, so look the target up rather than assume index 0.
  const expected = majorityProbability(
    Object.values(DISTRIBUTION),
    Object.keys(DISTRIBUTION).indexOf("42"),
    samples,
  );
  const backend = new ScriptedBackend({ answers: DISTRIBUTION });
  let correct = 0;
  for (let seed = 0; seed < trials; seed++) {
    const solution = await selfConsistency(problem, context(backend, { seed }), { samples });
    if (solution.key === "42") correct++;
  }
  const observed = correct / trials;
  const sigma = Math.sqrt((expected * (1 - expected)) / trials);
  // Voting lifts 40% per sample to ~57% at N=7; 4 sigma keeps the test stable yet tight.
  assert.ok(expected > 0.5 && expected < 0.65, `expected ${expected}`);
  assert.ok(
    Math.abs(observed - expected) < 4 * sigma,
    `observed ${observed}, expected ${expected} ± ${sigma}`,
  );
});

test("samples are seeded: the same seed reproduces, another seed differs", async () => {
  const run = async (seed: number) => {
    const backend = new ScriptedBackend({ answers: DISTRIBUTION });
    await selfConsistency(problem, context(backend, { seed }), { samples: 8 });
    return backend.calls.map((c) => c.seed);
  };
  assert.deepEqual(await run(3), await run(3));
  assert.notDeepEqual(await run(3), await run(4));
});

test("adaptive stopping uses fewer samples when answers agree", async () => {
  const agree = new ScriptedBackend({ answers: { "42": 1 } });
  const solution = await selfConsistency(problem, context(agree), { samples: 32, stopping: "beta" });
  assert.equal(solution.key, "42");
  // Batches of 4; 4 agreeing votes give P = 0.969 >= 0.95.
  assert.equal(agree.calls.length, 1);
  assert.equal(agree.calls[0].n, 4);

  const split = new ScriptedBackend({ answers: DISTRIBUTION });
  await selfConsistency(problem, context(split), { samples: 32, stopping: "beta" });
  const drawn = split.calls.reduce((sum, c) => sum + (c.n ?? 1), 0);
  assert.ok(drawn > 4, `a split distribution needs more than one batch (drew ${drawn})`);
});

test("adaptive stopping never stops on a minority", async () => {
  for (let seed = 0; seed < 60; seed++) {
    const backend = new ScriptedBackend({ answers: DISTRIBUTION });
    const ctx = context(backend, { seed });
    await selfConsistency(problem, ctx, { samples: 24, stopping: "beta", batchSize: 2 });
    for (const stop of nodes(ctx.trace.trace, "decision").filter((n) => n.name === "stop")) {
      const leader = stop.data.facts?.leader as string;
      assert.equal(typeof leader, "string");
      const votes = ctx.trace.trace.nodes
        .filter((n) => n.kind === "generate")
        .flatMap((n) => (n.data.completions as Array<{ text: string }>).map((c) => c.text));
      const counts = new Map<string, number>();
      for (const text of votes) {
        const key = /boxed\{(\d+)\}/.exec(text)![1];
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const leaderVotes = counts.get(leader)!;
      for (const [key, count] of counts)
        if (key !== leader) assert.ok(leaderVotes > count, `stopped on ${leader}`);
    }
  }
});

test("ESC stops at the first agreeing window", async () => {
  const backend = new ScriptedBackend({
    script: ["\\boxed{1}", "\\boxed{2}", "\\boxed{3}", "\\boxed{5}", "\\boxed{5}", "\\boxed{5}"],
  });
  const solution = await selfConsistency(problem, context(backend), {
    samples: 30,
    stopping: { rule: "esc", window: 3 },
  });
  assert.equal(solution.key, "5");
  assert.equal(backend.calls.length, 2);
});

test("a batch runs its samples in parallel", async () => {
  const backend = new ScriptedBackend({
    answers: { "42": 1 },
    delayMs: 20,
    capabilities: { nativeN: false },
  });
  await selfConsistency(problem, context(backend), { samples: 6 });
  assert.equal(backend.calls.length, 6);
  assert.equal(backend.maxInFlight, 6);
});

test("the trace holds every generate node, the vote, and ends complete", async () => {
  const backend = new ScriptedBackend({ answers: DISTRIBUTION, capabilities: { nativeN: false } });
  const ctx = context(backend);
  const solution = await selfConsistency(problem, ctx, { samples: 5 });
  const trace = ctx.trace.finish();
  assertTraceComplete(trace);
  assert.equal(nodes(trace, "generate").length, 5);
  const [voteNode] = nodes(trace, "vote");
  assert.equal(voteNode.data.winner, solution.key);
  assert.equal(
    Object.values(voteNode.data.counts as Record<string, number>).reduce((a, b) => a + b),
    5,
  );
  assert.equal(solution.usage.scripted.calls, 5);
  assert.equal(solution.strategy, "self-consistency");
  assert.equal(solution.traceId, trace.id);
});

test("confidence is the winner's vote share", async () => {
  const backend = new ScriptedBackend({ script: ["\\boxed{7}", "\\boxed{7}", "\\boxed{7}", "\\boxed{8}"] });
  const solution = await selfConsistency(problem, context(backend), { samples: 4 });
  assert.equal(solution.key, "7");
  assert.equal(solution.answer, "7");
  assert.equal(solution.confidence, 0.75);
});

test("a tie goes to the answer whose samples the model was surer of", async () => {
  const backend = new ScriptedBackend({
    script: [
      { text: "\\boxed{7}", logprob: -2 },
      { text: "\\boxed{8}", logprob: -0.1 },
    ],
  });
  const solution = await selfConsistency(problem, context(backend), { samples: 2 });
  assert.equal(backend.calls[0].logprobs, 0);
  assert.equal(solution.key, "8");
  assert.equal(solution.confidence, 0.5);
});

test("confidence weighting lets two sure samples outvote three unsure ones", async () => {
  const script = [
    { text: "\\boxed{7}", logprob: -3 },
    { text: "\\boxed{7}", logprob: -3 },
    { text: "\\boxed{7}", logprob: -3 },
    { text: "\\boxed{8}", logprob: -0.01 },
    { text: "\\boxed{8}", logprob: -0.01 },
  ];
  const plain = await selfConsistency(problem, context(new ScriptedBackend({ script })), { samples: 5 });
  assert.equal(plain.key, "7");
  const weighted = await selfConsistency(problem, context(new ScriptedBackend({ script })), {
    samples: 5,
    weighting: "confidence",
  });
  assert.equal(weighted.key, "8");
  const [p7, p8] = [Math.exp(-3), Math.exp(-0.01)];
  assert.ok(Math.abs(weighted.confidence - (2 * p8) / (3 * p7 + 2 * p8)) < 1e-9);
});
