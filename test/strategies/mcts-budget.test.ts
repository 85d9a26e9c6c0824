import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import type { GenerateRequest } from "../../src/models/types.ts";
import { solve } from "../../src/strategies/index.ts";
import { mcts, mctsOptions, mctsWork } from "../../src/strategies/mcts.ts";
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
          assert.match(solution.details.stopped as string, /budget/, label);
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
  assert.match(solution.text, /^step 0\.0 of a few words\n\n/);
  // Nothing finished, so every partial solution is a candidate.
  assert.equal(solution.candidates.length, solution.details.nodes);
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

test("the work bound, hand-computed, holds on every run and is reached on the longest path", async () => {
  const parse = (o: Record<string, unknown>) => mctsOptions.parse(o);
  // 2 sims below maxDepth - 1 = 3 sample steps of 20; 3 more may sample final steps of 60; every one of
  // the 5 * 2 children is rolled out once (60 tokens).
  const options = { simulations: 5, expansions: 2, maxDepth: 4, stepTokens: 20, maxTokens: 60 };
  assert.deepEqual(mctsWork(parse(options)), {
    completions: 5 * 2 + 5 * 2,
    tokens: 3 * 2 * 20 + 2 * 2 * 60 + 10 * 60,
  });
  // A step scorer: at most one one-token judgement per step; mutual verification: one completion each.
  assert.deepEqual(
    mctsWork(
      parse({ ...options, value: { name: "x", scoreSteps: async () => ({ scores: [], method: "x" }) } }),
    ),
    {
      completions: 10 + 10 * 4,
      tokens: 3 * 2 * 20 + 2 * 2 * 60 + 10 * 4,
    },
  );
  assert.deepEqual(mctsWork(parse({ ...options, mutualVerification: true, verifyTop: 3 })), {
    completions: 20 + 3,
    tokens: 3 * 2 * 20 + 2 * 2 * 60 + 10 * 60 + 3 * 60,
  });
  for (const simulations of [1, 3, 5, 9]) {
    const policy = branching(true);
    const run = { ...options, simulations };
    await mcts(problem, context(policy), run);
    const used = asked(policy.calls);
    const bound = mctsWork(parse(run));
    assert.ok(
      used.completions <= bound.completions && used.tokens <= bound.tokens,
      `${simulations}: ${JSON.stringify([used, bound])}`,
    );
    // Below the maximum depth nothing finishes: every child is new and rolled out, the bound is met.
    if (simulations <= 3) assert.deepEqual(used, bound);
  }
});
