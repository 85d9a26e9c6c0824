import assert from "node:assert/strict";
import { test } from "node:test";
import { cot } from "../../src/strategies/cot.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

test("one greedy chain of thought with the math instruction", async () => {
  const backend = new ScriptedBackend({ script: ["6 times 7 is 42, so \\boxed{42}."] });
  const ctx = context(backend);
  const solution = await cot(problem, ctx);
  assert.equal(solution.answer, "42");
  assert.equal(solution.key, "42");
  assert.equal(backend.calls.length, 1);
  assert.equal(backend.calls[0].temperature, 0);
  assert.match(backend.calls[0].messages![0].content, /\\boxed\{\}/);
  // Confidence is the geometric-mean token probability: every scripted token has logprob -0.05.
  assert.ok(Math.abs(solution.confidence - Math.exp(-0.05)) < 1e-9);
  assertTraceComplete(ctx.trace.finish());
});

test("budget forcing closes unfinished thinking and prefills the answer", async () => {
  const backend = new ScriptedBackend({
    script: ({ request }) =>
      request.assistantPrefix ? "42}" : `<think>${" hmm".repeat(100)} so it is 42</think>\\boxed{42}`,
  });
  const ctx = context(backend);
  const solution = await cot(problem, ctx, { thinkingBudget: 20 });
  assert.equal(backend.calls.length, 2);
  assert.equal(backend.calls[0].maxTokens, 20);
  const prefix = backend.calls[1].assistantPrefix!;
  assert.ok(prefix.startsWith("<think>"));
  assert.match(prefix, /<\/think>\n\nFinal answer: \\boxed\{$/);
  assert.equal(solution.answer, "42");
  assert.ok(nodes(ctx.trace.trace, "decision").some((n) => n.name === "budget-forcing"));
});

test("no forcing when the reasoning finishes within the thinking budget", async () => {
  const backend = new ScriptedBackend({ script: ["<think>short</think> \\boxed{42}"] });
  const solution = await cot(problem, context(backend), { thinkingBudget: 50 });
  assert.equal(backend.calls.length, 1);
  assert.equal(solution.key, "42");
});

test("without prefill the answer is asked for in a follow-up turn", async () => {
  const backend = new ScriptedBackend({
    capabilities: { prefill: false },
    script: ({ request }) => (request.messages!.length > 2 ? "\\boxed{42}" : `<think>${" step".repeat(50)}`),
  });
  const solution = await cot(problem, context(backend), { thinkingBudget: 10 });
  assert.equal(backend.calls.length, 2);
  assert.equal(backend.calls[1].assistantPrefix, undefined);
  assert.equal(backend.calls[1].messages!.at(-1)!.role, "user");
  assert.equal(solution.answer, "42");
});

test("a failed generation is an UPSTREAM error", async () => {
  const backend = new ScriptedBackend({ script: [{ text: "", finishReason: "error" }] });
  await assert.rejects(cot(problem, context(backend)), (e: { code?: string }) => e.code === "UPSTREAM");
});
