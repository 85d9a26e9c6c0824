import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import type { GenerateRequest } from "../../src/models/types.ts";
import { solve } from "../../src/strategies/index.ts";
import { mcts, mctsOptions } from "../../src/strategies/mcts.ts";
import { mctsWork } from "../../src/strategies/mcts-work.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import type { StepScorer } from "../../src/verifiers/step-scorers/types.ts";
import { context, problem } from "./fixtures.ts";

/** Distinct steps per call and sample, an answer at depth 3 (the rollouts answer at once). */
function branching(nativeN: boolean) {
  return new ScriptedBackend({
    capabilities: { nativeN },
    script: ({ request, call, sample }) => {
      const depth = (request.assistantPrefix ?? "").split("\n\n").length - 1;
      if (request.stop === undefined || depth >= 3) return `So \\boxed{${(call + sample) % 3}}.`;
      return `step ${call}.${sample} of a few words\n\nnext`;
    },
  });
}

function isBudget(error: unknown): boolean {
  return DeliberateError.isInstance(error) && error.code === "BUDGET";
}

test("maxCalls is never exceeded: policy, rollouts and the discriminator share one budget", async () => {
  for (const nativeN of [true, false]) {
    for (const mutualVerification of [false, true]) {
      for (let maxCalls = 0; maxCalls <= 14; maxCalls++) {
        const policy = branching(nativeN);
        const verifier = new ScriptedBackend({ id: "discriminator", script: () => "So \\boxed{1}." });
        const label = `nativeN ${nativeN}, mutual ${mutualVerification}, maxCalls ${maxCalls}`;
        try {
          const solution = await solve(problem, {
            strategy: "mcts",
            options: { simulations: 8, expansions: 3, mutualVerification },
            backends: { policy, verifier },
            budget: { maxCalls },
          });
          assert.ok(solution.text.length > 0, label);
          assert.match((solution.details as { stopped: string }).stopped, /budget/, label);
        } catch (error) {
          // Only a budget too small for the first expansion leaves nothing to answer with.
          assert.ok(isBudget(error), `${label}: ${error}`);
          assert.equal(policy.calls.length, 0, label);
        }
        const calls = policy.calls.length + verifier.calls.length;
        assert.ok(calls <= maxCalls, `${label}: ${calls} calls`);
      }
    }
  }
});

test("maxTokens is never exceeded", async () => {
  for (const maxTokens of [60, 150, 400, 900, 2000]) {
    const policy = branching(false);
    try {
      const solution = await solve(problem, {
        strategy: "mcts",
        options: { simulations: 10, expansions: 3, stepTokens: 20, maxTokens: 60 },
        backends: { policy },
        budget: { maxTokens },
      });
      const used = Object.values(solution.usage).reduce((s, u) => s + u.promptTokens + u.completionTokens, 0);
      assert.ok(used <= maxTokens, `${used} > ${maxTokens}`);
    } catch (error) {
      assert.ok(isBudget(error), `${maxTokens}: ${error}`);
    }
  }
});

test("the budget ends the search cleanly: the best path so far answers, and details say why", async () => {
  const policy = branching(true);
  const free: StepScorer = {
    name: "free",
    scoreSteps: async (_p, steps) => ({ scores: steps.map(() => 0.5), method: "free" }),
  };
  const ctx = context(policy, {}, { maxCalls: 2 });
  const solution = await mcts(problem, ctx, { value: free, simulations: 8, expansions: 2 });
  assert.equal(policy.calls.length, 2);
  assert.equal(solution.details.simulations, 2);
  assert.match(solution.details.stopped, /budget: call budget of 2 is spent/);
  assert.equal(solution.details.finished, false);
  // Nothing finished, and the budget refused finishing the most visited path: the answer is the best
  // leaf so far. All are worth 0.5 with one visit, so the earliest, node 2 (sample 1), wins.
  assert.match(solution.details.stopped, /could not be finished/);
  assert.deepEqual(solution.details.bestPath, [0, 2]);
  assert.equal(solution.text, "step 0.1 of a few words\n\n");
  // The leaves are the candidates: node 2 and node 1's two children.
  assert.deepEqual(
    solution.candidates.map((c) => c.index),
    [1, 2, 3],
  );
});

/** What the models were asked for: completions and max tokens. */
function asked(calls: GenerateRequest[]) {
  return calls.reduce(
    (sum, c) => ({
      completions: sum.completions + (c.n ?? 1),
      tokens: sum.tokens + (c.n ?? 1) * (c.maxTokens ?? Number.NaN),
    }),
    { completions: 0, tokens: 0 },
  );
}

test("the work bound, hand-computed, holds on every run", async () => {
  const parse = (o: Record<string, unknown>) => mctsOptions.parse(o);
  const options = { simulations: 5, expansions: 2, maxDepth: 4, stepTokens: 20, maxTokens: 60 };
  // Simulation: the first expansion samples steps of 20, later ones may sit above the maximum depth
  // (a rollout's chain reaches it at once): 60. Every one of the 5 * 2 children rolls out (60), and
  // when nothing finished the policy finishes the most visited path (60; finished, it needs no value call).
  assert.deepEqual(mctsWork(parse(options)), {
    completions: 10 + 10 + 1,
    tokens: 2 * 20 + 4 * 2 * 60 + 10 * 60 + 60,
  });
  // A step scorer: no rollouts, so only simulations from maxDepth - 1 = 3 on may sample final steps;
  // at most one one-token judgement per step of a child (4 deep at most).
  const own = { name: "x", scoreSteps: async () => ({ scores: [], method: "x" }) };
  assert.deepEqual(mctsWork(parse({ ...options, value: own })), {
    completions: 10 + 10 * 4 + 1 + 4,
    tokens: 3 * 2 * 20 + 2 * 2 * 60 + 10 * 4 + 60 + 4,
  });
  // The Math-Shepherd rollout scorer: k rollouts of its own maxTokens per step.
  assert.deepEqual(mctsWork(parse({ ...options, value: { name: "rollout", rollouts: 2, maxTokens: 30 } })), {
    completions: 10 + 10 * 4 * 2 + 1 + 4 * 2,
    tokens: 3 * 2 * 20 + 2 * 2 * 60 + 10 * 4 * 2 * 30 + 60 + 4 * 2 * 30,
  });
  assert.deepEqual(mctsWork(parse({ ...options, mutualVerification: true, verifyTop: 3 })), {
    completions: 21 + 3,
    tokens: 1180 + 3 * 60,
  });
  const free: StepScorer = {
    name: "free",
    scoreSteps: async (_p, steps) => ({ scores: steps.map(() => 0.5), method: "free" }),
  };
  for (const value of ["simulation", free] as const) {
    for (const simulations of [1, 3, 5, 9]) {
      const policy = branching(true);
      const run = { ...options, simulations, value };
      await mcts(problem, context(policy), run);
      const used = asked(policy.calls);
      const bound = mctsWork(parse(run));
      assert.ok(
        used.completions <= bound.completions && used.tokens <= bound.tokens,
        `${simulations}: ${JSON.stringify([used, bound])}`,
      );
    }
  }
});
