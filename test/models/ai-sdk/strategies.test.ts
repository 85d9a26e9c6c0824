/**
 * Strategies end to end through `solve()` over AI SDK models: self-consistency votes over one
 * doGenerate call per sample (each with its own seed), and a cascade escalates to a second AI SDK
 * model when the small one's samples disagree — and does not when they agree.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { aiSdkBackend } from "../../../src/models/ai-sdk/index.ts";
import { solve } from "../../../src/strategies/registry.ts";
import { scriptedModel, wordCount } from "./mock-model.ts";

const problem = { messages: [{ role: "user" as const, content: "What is 2 + 2?" }] };
const boxed = (answer: string) => `Let me think. The answer is \\boxed{${answer}}.`;

test("self-consistency over an AI SDK model: one call per sample, distinct seeds, the majority wins", async () => {
  const answers = ["4", "5", "4", "4", "6", "4", "5", "4"];
  const model = scriptedModel({ answer: (call) => boxed(answers[call]!) });
  const policy = aiSdkBackend(model);
  const solution = await solve(problem, {
    strategy: "self-consistency",
    options: { samples: 8 },
    backends: { policy },
    seed: 7,
  });
  assert.equal(model.doGenerateCalls.length, 8);
  assert.equal(new Set(model.doGenerateCalls.map((c) => c.seed)).size, 8, "every sample has its own seed");
  assert.equal(solution.key, "4");
  assert.equal(solution.confidence, 5 / 8);
  assert.equal(solution.candidates.length, 8);
  const usage = solution.usage[policy.id]!;
  assert.equal(usage.calls, 8);
  assert.equal(usage.promptTokens, 80);
  assert.equal(usage.completionTokens, 8 * wordCount(boxed("4")));
});

test("cascade escalates to the large AI SDK model only when the small samples disagree", async () => {
  const disagreeing = ["1", "2", "3", "4"];
  const small = scriptedModel({ modelId: "small", answer: (call) => boxed(disagreeing[call % 4]!) });
  const large = scriptedModel({ modelId: "large", answer: () => boxed("4") });
  const escalated = await solve(problem, {
    strategy: "cascade",
    options: { samples: 4 },
    backends: { policy: aiSdkBackend(small), large: aiSdkBackend(large) },
  });
  assert.equal(escalated.escalation?.escalated, true);
  assert.equal(escalated.key, "4");
  assert.equal(small.doGenerateCalls.length, 4);
  assert.equal(large.doGenerateCalls.length, 1);
  assert.deepEqual(Object.keys(escalated.usage).sort(), [
    "ai-sdk:mock-provider:large",
    "ai-sdk:mock-provider:small",
  ]);

  const agreeing = scriptedModel({ modelId: "small", answer: () => boxed("4") });
  const unused = scriptedModel({ modelId: "large", answer: () => boxed("5") });
  const kept = await solve(problem, {
    strategy: "cascade",
    options: { samples: 4 },
    backends: { policy: aiSdkBackend(agreeing), large: aiSdkBackend(unused) },
  });
  assert.equal(kept.escalation?.escalated, false);
  assert.equal(kept.key, "4");
  assert.equal(unused.doGenerateCalls.length, 0);
});
