/**
 * Step scorers inside strategies: `asVerifier` end to end in weighted best-of-N and beam search on
 * scripted backends, the verifier option's schema, and the checks around it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ScoreRequest } from "../../../src/models/types.ts";
import { beam } from "../../../src/strategies/beam.ts";
import { solve } from "../../../src/strategies/index.ts";
import { weightedBestOfN } from "../../../src/strategies/weighted-best-of-n.ts";
import { ScriptedBackend } from "../../../src/testing/scripted-backend.ts";
import { resolveVerifier, verifierSchema } from "../../../src/verifiers/index.ts";
import { asVerifier } from "../../../src/verifiers/step-scorers/as-verifier.ts";
import type { StepScorer } from "../../../src/verifiers/step-scorers/types.ts";
import { verify } from "../../../src/verifiers/verify.ts";
import { assertTraceComplete, context, nodes } from "../../strategies/fixtures.ts";

const problem = {
  id: "sums",
  messages: [{ role: "user" as const, content: "Compute 4+7+3." }],
  kind: "math" as const,
};

/** Four sampled solutions: one right, three reaching 15, each of those through one bad step. */
const SOLUTIONS = [
  "4+7=11\n11+3=14\n#### 14",
  "4+7=12\n12+3=15\n#### 15",
  "4+7=11\n11+3=15\n#### 15",
  "4+7=12\n12+3=15\n#### 15",
];
/** P(Yes) of a prefix by its last step: the bad steps 4+7=12 and 11+3=15 score 0.1. */
const STEP_P: Record<string, number> = {
  "4+7=11": 0.9,
  "4+7=12": 0.1,
  "11+3=14": 0.9,
  "12+3=15": 0.9,
  "11+3=15": 0.1,
  "#### 14": 0.8,
  "#### 15": 0.8,
};

function backends() {
  const policy = new ScriptedBackend({ script: ({ sample }) => SOLUTIONS[sample % SOLUTIONS.length] });
  const verifier = new ScriptedBackend({
    id: "prm",
    scorer: (request: ScoreRequest) => {
      // The step awaiting its verdict ends the PRM prompt, after the last newline.
      const last = /\n([^\n]*) $/.exec(request.prompt as string)?.[1] ?? "";
      return [Math.log(STEP_P[last] ?? Number.NaN)];
    },
  });
  return { policy, verifier };
}

test("PRM-weighted best-of-N: the aggregation decides between one sound solution and three slips", async () => {
  // last: every solution ends on a 0.8 step, so 15 wins 2.4 to 0.8. min: each 15 has a 0.1 step,
  // so 14 wins 0.8 to 0.3.
  for (const [aggregation, winner, weight] of [
    ["last", "15", 2.4],
    ["min", "14", 0.8],
  ] as const) {
    const { policy, verifier } = backends();
    const ctx = context(policy, { backends: { policy, verifier } });
    const solution = await weightedBestOfN(problem, ctx, {
      samples: 4,
      verifier: "prm",
      aggregation,
      stepBreak: "\n",
    });
    assert.equal(solution.key, winner, aggregation);
    const vote = nodes(ctx.trace.trace, "vote")[0];
    assert.ok(Math.abs(vote.data.weights[winner] - weight) < 1e-9, JSON.stringify(vote.data.weights));
    assert.equal(solution.details.verifier, "prm");
    // One score node per candidate, holding the step scores and the aggregation; 3 scoring calls each.
    const scores = nodes(ctx.trace.trace, "score");
    assert.equal(scores.length, 4);
    for (const score of scores) {
      assert.equal(score.name, "prm");
      assert.equal(score.data.details?.aggregation, aggregation);
      assert.equal((score.data.details?.stepScores as number[] | undefined)?.length, 3);
    }
    assert.equal(verifier.scoreCalls.length, 12);
    assert.equal(nodes(ctx.trace.trace, "generate").filter((n) => n.data.purpose === "score").length, 12);
    assertTraceComplete(ctx.trace.trace);
  }
});

test("solve() takes the step scorer as the CLI gives it: names and plain JSON options", async () => {
  const { policy, verifier } = backends();
  const solution = await solve(problem, {
    strategy: "weighted-best-of-n",
    options: {
      samples: 4,
      verifier: { name: "prm", role: "verifier" },
      aggregation: "product",
      stepBreak: "\n",
    },
    backends: { policy, verifier },
  });
  // product: 0.9·0.9·0.8 = 0.648 for 14 against 3 × 0.1·0.9·0.8 = 0.216 for 15.
  assert.equal(solution.key, "14");
  assert.ok(solution.candidates.every((c) => typeof c.score === "number"));
});

test("beam search guided by the PRM with min aggregation", async () => {
  // Steps of the solutions above, one per call depth; the bad first step 4+7=12 is pruned.
  const policy = new ScriptedBackend({
    script: ({ request, sample }) => {
      const done = (request.assistantPrefix ?? "").split("\n").length - 1;
      const next = [["4+7=11", "4+7=12"], ["11+3=14", "11+3=15", "12+3=15"], ["#### 14"]][done] ?? [
        "#### 15",
      ];
      return `${next[sample % next.length]}\n`;
    },
  });
  const { verifier } = backends();
  const ctx = context(policy, { backends: { policy, verifier } });
  const solution = await beam(problem, ctx, {
    verifier: "prm",
    aggregation: "min",
    stepBreak: "\n",
    beamWidth: 1,
    expansions: 2,
    maxDepth: 3,
  });
  assert.equal(solution.key, "14");
  assert.equal(solution.details.verifier, "prm");
  const prunes = nodes(ctx.trace.trace, "decision").filter((d) => d.name === "prune");
  assert.deepEqual(prunes[0].data.facts?.kept, [{ id: 1, score: 0.9 }]);
});

test("a candidate with no steps scores 0 without asking the scorer", async () => {
  const { policy, verifier } = backends();
  const ctx = context(policy, { backends: { policy, verifier } });
  const result = await verify(resolveVerifier("prm"), problem, { text: " \n\n ", answer: null }, ctx);
  assert.equal(result.score, 0);
  assert.equal(result.method, "no-steps");
  assert.equal(verifier.scoreCalls.length, 0);
});

test("a scorer returning the wrong number of scores is an error naming it; scores are clamped", async () => {
  const short: StepScorer = { name: "short", scoreSteps: async () => ({ scores: [0.5], method: "test" }) };
  const ctx = context(new ScriptedBackend());
  await assert.rejects(
    verify(asVerifier(short), problem, { text: "a\n\nb", answer: null }, ctx),
    (e: { code?: string; message: string }) =>
      e.code === "INTERNAL" && /`short` returned 1 scores for 2 steps/.test(e.message),
  );
  const wild: StepScorer = {
    name: "wild",
    scoreSteps: async () => ({ scores: [1.7, Number.NaN], method: "test" }),
  };
  const result = await verify(
    asVerifier(wild, { aggregation: "mean" }),
    problem,
    { text: "a\n\nb", answer: null },
    ctx,
  );
  assert.equal(result.score, 0.5);
  assert.deepEqual(result.data?.stepScores, [1, 0]);
});

test("your own StepScorer object plugs in as the verifier option", async () => {
  const { policy } = backends();
  // A PRM of your own: distrusts any step that says 15.
  const mine: StepScorer = {
    name: "mine",
    scoreSteps: async (_problem, steps) => ({
      scores: steps.map((s) => (s.includes("15") ? 0.2 : 0.9)),
      method: "mine",
    }),
  };
  const solution = await solve(problem, {
    strategy: "weighted-best-of-n",
    options: { samples: 4, verifier: mine, aggregation: "min", stepBreak: "\n" },
    backends: { policy },
  });
  assert.equal(solution.key, "14");
  assert.equal((solution.details as { verifier: string }).verifier, "mine");
});

test("the verifier option accepts step scorers by name, as { name, ...options } or as objects, strictly", () => {
  assert.equal(verifierSchema.parse("prm"), "prm");
  assert.deepEqual(verifierSchema.parse({ name: "rollout", rollouts: 2 }), {
    name: "rollout",
    rollouts: 2,
    temperature: 0.8,
    maxTokens: 256,
    role: "policy",
  });
  const pooling = verifierSchema.parse({
    name: "pooling-prm",
    baseUrl: "http://gpu:8000",
    model: "Qwen/Qwen2.5-Math-PRM-7B",
  });
  assert.equal((pooling as { stepToken: string }).stepToken, "<extra_0>");
  for (const bad of [
    { name: "pooling-prm", model: "m" },
    { name: "rollout", rollouts: 0 },
    { name: "prm", temprature: 1 },
    { name: "oracle" },
    "oracle",
  ]) {
    assert.equal(verifierSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

test("aggregation with a plain verifier is a BAD_REQUEST naming the option", async () => {
  assert.throws(
    () => resolveVerifier("judge", { aggregation: "min" }),
    (e: { code?: string; param?: string; message: string }) =>
      e.code === "BAD_REQUEST" && e.param === "aggregation" && /not to verifier `judge`/.test(e.message),
  );
  await assert.rejects(
    solve(problem, {
      strategy: "weighted-best-of-n",
      options: { verifier: "judge", aggregation: "min" },
      backends: { policy: new ScriptedBackend() },
    }),
    (e: { code?: string }) => e.code === "BAD_REQUEST",
  );
});

test("beam's default step-judge is unchanged; with an aggregation it judges every prefix", async () => {
  const policy = new ScriptedBackend({
    script: ({ request }) => (request.assistantPrefix ? "So \\boxed{42}." : "a sound step\n\n"),
  });
  const judge = () => new ScriptedBackend({ id: "judge", script: () => "Yes" });
  const whole = judge();
  await beam(problem, context(policy, { backends: { policy, verifier: whole } }), {
    beamWidth: 1,
    expansions: 1,
  });
  assert.equal(whole.calls.length, 2, "one judgement per child: depth 1 and depth 2");
  const perPrefix = judge();
  await beam(problem, context(policy, { backends: { policy, verifier: perPrefix } }), {
    beamWidth: 1,
    expansions: 1,
    aggregation: "min",
  });
  assert.equal(perPrefix.calls.length, 3, "the depth-2 child has two prefixes");
});
