import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { allowCall, estimatePromptTokens } from "../../src/run/budget.ts";
import { callModel } from "../../src/run/call-model.ts";
import { createLedger } from "../../src/run/ledger.ts";
import { solve } from "../../src/strategies/index.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { context, problem } from "./fixtures.ts";

/** The strategies checked here; add new ones (with the backends they need in `backends()`). */
const STRATEGIES = ["cot", "self-consistency", "confidence-vote", "best-of-n", "weighted-best-of-n"];

const LONG = `Let me think. ${"step ".repeat(60)}So the answer is \\boxed{42}.`;

function backends(nativeN: boolean) {
  const policy = new ScriptedBackend({ script: () => LONG, capabilities: { nativeN } });
  const verifier = new ScriptedBackend({ id: "judge", script: () => "Yes" });
  return { policy, verifier };
}

function spent(...list: ScriptedBackend[]) {
  return list.reduce((sum, b) => sum + b.calls.length + b.scoreCalls.length, 0);
}

test("maxCalls is never exceeded, by any strategy, with or without native n", async () => {
  for (const name of STRATEGIES) {
    for (const nativeN of [true, false]) {
      const { policy, verifier } = backends(nativeN);
      try {
        const solution = await solve(problem, {
          strategy: name,
          options: name === "cot" ? {} : { samples: 8 },
          backends: { policy, verifier },
          budget: { maxCalls: 3 },
        });
        const calls = Object.values(solution.usage).reduce((sum, u) => sum + u.calls, 0);
        assert.ok(calls <= 3, `${name}: usage says ${calls} calls`);
      } catch (error) {
        assert.ok(DeliberateError.isInstance(error) && error.code === "BUDGET", `${name}: ${error}`);
      }
      assert.ok(
        spent(policy, verifier) <= 3,
        `${name} (nativeN ${nativeN}) made ${spent(policy, verifier)} calls`,
      );
    }
  }
});

test("maxTokens is never exceeded: samples and their lengths are capped to what remains", async () => {
  for (const name of STRATEGIES) {
    for (const maxTokens of [150, 400, 1000]) {
      const { policy, verifier } = backends(false);
      try {
        const solution = await solve(problem, {
          strategy: name,
          options: name === "cot" ? {} : { samples: 8 },
          backends: { policy, verifier },
          budget: { maxTokens },
        });
        const used = Object.values(solution.usage).reduce(
          (s, u) => s + u.promptTokens + u.completionTokens,
          0,
        );
        assert.ok(used <= maxTokens, `${name}: ${used} > ${maxTokens}`);
      } catch (error) {
        assert.ok(DeliberateError.isInstance(error) && error.code === "BUDGET", `${name}: ${error}`);
      }
    }
  }
});

test("a token budget shrinks n and maxTokens rather than overrunning", () => {
  const ledger = createLedger();
  ledger.charge("m", { promptTokens: 0, completionTokens: 900 });
  // 100 tokens left: one sample of the 80 tokens that remain after its prompt, not 8 truncated ones.
  const tight = allowCall({ maxTokens: 1000 }, ledger, { prompt: "hi", n: 8, maxTokens: 500 }, 20);
  assert.deepEqual([tight.n, tight.maxTokens], [1, 80]);
  // 1000 left: 6 samples of >= MIN_USEFUL_TOKENS (128) fit, each gets floor(1000 / 6) - 20 = 146.
  const roomy = allowCall({ maxTokens: 1900 }, ledger, { prompt: "hi", n: 8, maxTokens: 500 }, 20);
  assert.deepEqual([roomy.n, roomy.maxTokens], [6, 146]);
  assert.ok(roomy.n * (20 + roomy.maxTokens!) <= 1000);
  // A request shorter than the useful minimum is not inflated.
  const short = allowCall({ maxTokens: 1900 }, ledger, { prompt: "hi", n: 8, maxTokens: 10 }, 20);
  assert.deepEqual([short.n, short.maxTokens], [8, 10]);
  assert.throws(
    () => allowCall({ maxTokens: 910 }, ledger, { prompt: "hi" }, 20),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "BUDGET" && e.param === "maxTokens",
  );
});

test("prompt estimates are upper bounds of the scripted backend's count", () => {
  const request = { messages: [{ role: "user" as const, content: "ünïcode ✓ question ".repeat(10) }] };
  const bytes = Buffer.byteLength(request.messages[0].content);
  assert.ok(estimatePromptTokens(request) >= Math.ceil(bytes / 4));
  assert.ok(estimatePromptTokens(request, 0.25) < estimatePromptTokens(request));
});

test("maxSeconds: calls in flight are cut at the deadline and no call starts after it", async () => {
  const policy = new ScriptedBackend({ answers: { "42": 1 }, delayMs: 5_000 });
  const started = Date.now();
  const ctx = context(policy, {}, { maxSeconds: 0.2 });
  const result = await callModel(ctx, { request: { prompt: "q" } });
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 1_000, `took ${elapsed} ms`);
  assert.equal(result.completions[0].finishReason, "abort");
  await assert.rejects(
    callModel(ctx, { request: { prompt: "q" } }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "BUDGET" && e.param === "maxSeconds",
  );
  assert.equal(policy.calls.length, 1);
});

test("self-consistency answers with the samples it has when the budget runs out", async () => {
  const policy = new ScriptedBackend({ answers: { "42": 1 }, capabilities: { nativeN: false } });
  const solution = await solve(problem, {
    strategy: "self-consistency",
    options: { samples: 10, batchSize: 2 },
    backends: { policy },
    budget: { maxCalls: 5 },
  });
  assert.equal(solution.key, "42");
  assert.equal(policy.calls.length, 5);
});
