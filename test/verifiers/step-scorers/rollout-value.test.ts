import assert from "node:assert/strict";
import { test } from "node:test";
import { ScriptedBackend } from "../../../src/testing/scripted-backend.ts";
import { resolveStepScorer } from "../../../src/verifiers/step-scorers/index.ts";
import { rolloutValue } from "../../../src/verifiers/step-scorers/rollout-value.ts";
import { runContext as context, nodes } from "./run-context.ts";

const problem = {
  id: "r",
  messages: [{ role: "user" as const, content: "Compute 4+7+3." }],
  kind: "math" as const,
};
const steps = ["step one", "step two", "step three"];

/** Prefix depth (steps in the prefilled text) → how many of the k samples reach 42; the rest say 41. */
function policyWith(successes: number[], stepBreak = "\n") {
  return new ScriptedBackend({
    script: ({ request, sample }) => {
      const depth = (request.assistantPrefix ?? "").split(stepBreak).length - 1;
      return sample < successes[depth - 1] ? "so\n#### 42" : "so\n#### 41";
    },
  });
}

test("rollout value is the share of each prefix's rollouts reaching the majority answer", async () => {
  // Known success rates 1/4, 3/4, 4/4: 8 of 12 rollouts say 42, the majority.
  const policy = policyWith([1, 3, 4]);
  const ctx = context(policy);
  const result = await rolloutValue({ rollouts: 4, stepBreak: "\n" }).scoreSteps(problem, steps, ctx);
  assert.deepEqual(result.scores, [0.25, 0.75, 1]);
  assert.equal(result.method, "rollout");
  assert.deepEqual(result.data, { majority: "42", rollouts: [4, 4, 4], agreeing: [1, 3, 4] });
  // One native-n call per prefix, each continuing exactly that prefix.
  assert.deepEqual(policy.calls.map((c) => c.assistantPrefix).sort(), [
    "step one\n",
    "step one\nstep two\n",
    "step one\nstep two\nstep three\n",
  ]);
  assert.ok(policy.calls.every((c) => c.n === 4 && c.temperature === 0.8 && c.maxTokens === 256));
  const calls = nodes(ctx.trace.trace, "generate");
  assert.ok(
    calls.every((c) => c.data.purpose === "judge"),
    "rollouts are the verifier's calls, not candidates",
  );
  assert.deepEqual(calls.map((c) => c.data.tags?.rollout).sort(), [0, 1, 2]);
});

test("when most rollouts go wrong, the majority is the wrong answer and agreeing with it scores", async () => {
  // 1 + 0 + 2 of 12 say 42: the consensus is 41, so the prefixes that lead away from 42 score high.
  const result = await rolloutValue({ rollouts: 4, stepBreak: "\n" }).scoreSteps(
    problem,
    steps,
    context(policyWith([1, 0, 2])),
  );
  assert.equal(result.data?.majority, "41");
  assert.deepEqual(result.scores, [0.75, 1, 0.5]);
});

test("an answer already in the prefix counts for rollouts that add nothing", async () => {
  const policy = new ScriptedBackend({
    script: ({ request }) => ((request.assistantPrefix ?? "").includes("####") ? "" : "more\n#### 7"),
  });
  const result = await rolloutValue({ rollouts: 2, stepBreak: "\n" }).scoreSteps(
    problem,
    ["step one", "#### 7"],
    context(policy),
  );
  assert.deepEqual(result.scores, [1, 1]);
  assert.equal(result.data?.majority, "7");
});

test("rollouts without any answer score 0", async () => {
  const policy = new ScriptedBackend({ script: () => "I am not sure where this goes." });
  const result = await rolloutValue({ rollouts: 3 }).scoreSteps(problem, steps.slice(0, 2), context(policy));
  assert.deepEqual(result.scores, [0, 0]);
  assert.equal(result.data?.majority, null);
});

test("without native n, k single-sample calls per prefix, each with its own seed", async () => {
  const policy = new ScriptedBackend({ script: () => "#### 42", capabilities: { nativeN: false } });
  const result = await rolloutValue({ rollouts: 3, stepBreak: "\n" }).scoreSteps(
    problem,
    steps.slice(0, 2),
    context(policy),
  );
  assert.deepEqual(result.scores, [1, 1]);
  assert.equal(policy.calls.length, 6);
  assert.ok(policy.calls.every((c) => c.n === 1));
  for (const prefix of ["step one\n", "step one\nstep two\n"]) {
    const seeds = policy.calls.filter((c) => c.assistantPrefix === prefix).map((c) => c.seed);
    assert.equal(new Set(seeds).size, 3, `three distinct seeds for ${JSON.stringify(prefix)}`);
  }
});

test("the same prefix rolls out with the same seeds in another solution", async () => {
  const policy = new ScriptedBackend({ script: () => "#### 42" });
  const ctx = context(policy);
  const scorer = rolloutValue({ rollouts: 2, stepBreak: "\n" });
  await scorer.scoreSteps(problem, ["step one", "step two"], ctx);
  await scorer.scoreSteps(problem, ["step one", "step other"], ctx);
  const seedOf = (prefix: string) =>
    policy.calls.filter((c) => c.assistantPrefix === prefix).map((c) => c.seed);
  assert.deepEqual(new Set(seedOf("step one\n")).size, 1, "shared first prefix, same seed");
  assert.notEqual(seedOf("step one\nstep two\n")[0], seedOf("step one\nstep other\n")[0]);
});

test("the registry gives rollout the strategy's step break unless the spec names one", async () => {
  const policy = new ScriptedBackend({ script: () => "#### 1" });
  await resolveStepScorer("rollout", { stepBreak: "\n" }).scoreSteps(
    problem,
    ["a b", "c d"],
    context(policy),
  );
  await resolveStepScorer({ name: "rollout", stepBreak: " | ", rollouts: 1 }, { stepBreak: "\n" }).scoreSteps(
    problem,
    ["a b"],
    context(policy),
  );
  const sent = policy.calls.map((c) => [c.assistantPrefix, c.n]);
  assert.deepEqual(sent.sort(), [
    ["a b\n", 4],
    ["a b\nc d\n", 4],
    ["a b | ", 1],
  ]);
});

test("a policy that cannot prefill is a clear BAD_REQUEST; bad options are refused when built", async () => {
  const policy = new ScriptedBackend({ id: "no-prefill", capabilities: { prefill: false } });
  await assert.rejects(
    rolloutValue().scoreSteps(problem, steps, context(policy)),
    (e: { code?: string; message: string }) =>
      e.code === "BAD_REQUEST" && /`no-prefill` cannot prefill/.test(e.message),
  );
  assert.throws(
    () => rolloutValue({ rollouts: 0 }),
    (e: { code?: string; message: string }) =>
      e.code === "BAD_REQUEST" && /`rollout` option `rollouts`/.test(e.message),
  );
});

test("abort during the rollouts propagates as ABORTED", { timeout: 30_000 }, async () => {
  const policy = new ScriptedBackend({ script: () => "a b c d e f g h #### 3", tokenDelayMs: 50 });
  const controller = new AbortController();
  const scoring = rolloutValue({ rollouts: 2 }).scoreSteps(
    problem,
    steps,
    context(policy, { signal: controller.signal }),
  );
  // Abort once generation is under way (a real condition, not a sleep).
  while (policy.inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  await assert.rejects(scoring, (e: { code?: string }) => e.code === "ABORTED");
});
