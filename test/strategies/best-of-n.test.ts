import assert from "node:assert/strict";
import { test } from "node:test";
import { bestOfN } from "../../src/strategies/best-of-n.ts";
import { weightedBestOfN } from "../../src/strategies/weighted-best-of-n.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { constraints } from "../../src/verifiers/constraints.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

const CANDIDATES = ["\\boxed{7}", "\\boxed{8}", "\\boxed{8}", "\\boxed{9}"];
/** The verifier likes 7 best, but 8 twice adds up to more. */
const SCORES: Record<string, number> = { "7": 0.9, "8": 0.6, "9": 0.1 };

const byAnswer = constraints({ score: (candidate) => SCORES[candidate.answer ?? ""] ?? 0 });

test("best-of-n answers with the highest-scoring candidate", async () => {
  const policy = new ScriptedBackend({ script: CANDIDATES });
  const ctx = context(policy);
  const solution = await bestOfN(problem, ctx, { samples: 4, verifier: byAnswer });
  assert.equal(solution.key, "7");
  assert.equal(solution.confidence, 0.9);
  const trace = ctx.trace.finish();
  assert.equal(nodes(trace, "score").length, 4);
  assertTraceComplete(trace);
});

test("weighted best-of-n sums scores per answer", async () => {
  const policy = new ScriptedBackend({ script: CANDIDATES });
  const ctx = context(policy);
  const solution = await weightedBestOfN(problem, ctx, { samples: 4, verifier: byAnswer });
  assert.equal(solution.key, "8");
  assert.ok(Math.abs(solution.confidence - 1.2 / 2.2) < 1e-9);
  const [voteNode] = nodes(ctx.trace.trace, "vote");
  assert.deepEqual(voteNode.data.weights, { "7": 0.9, "8": 1.2, "9": 0.1 });
});

test("the default judge reads P(yes) from the verifier backend's logprobs", async () => {
  const policy = new ScriptedBackend({ script: CANDIDATES });
  // The judge is sure "8" is right and doubts the rest.
  const verifier = new ScriptedBackend({
    id: "judge",
    script: ({ request }) =>
      /boxed\{8\}/.test(request.messages!.at(-1)!.content)
        ? { text: "Yes", logprob: -0.01 }
        : { text: "No", logprob: -0.05 },
  });
  const ctx = context(policy, { backends: { policy, verifier } });
  const solution = await bestOfN(problem, ctx, { samples: 4 });
  assert.equal(solution.key, "8");
  assert.equal(verifier.calls.length, 4);
  assert.equal(verifier.calls[0].maxTokens, 1);
  assert.equal(solution.usage.judge.calls, 4);
  assertTraceComplete(ctx.trace.finish());
});
