/**
 * The `prm` scorer on real llama.cpp: a tiny random-weight GGUF written by the project scores each
 * prefix through node-llama-cpp's `score()`. The values are noise; their count and range are not.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createLlamaBackend, type LlamaBackend } from "../../../src/models/llama/index.ts";
import { likelihoodPrm } from "../../../src/verifiers/step-scorers/likelihood-prm.ts";
import { verifySteps } from "../../../src/verifiers/step-scorers/verify-steps.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";
import { nodes, runContext } from "./run-context.ts";

let prm: LlamaBackend;
before(async () => {
  prm = await createLlamaBackend({ model: await tinyModelPath(), threads: 1, contextSize: 1024 });
});
after(() => prm.close());

test("prm on a tiny GGUF returns one finite score in [0, 1] per step", async () => {
  const problem = { id: "sums", messages: [{ role: "user" as const, content: "Compute 4+7+3." }] };
  const steps = ["4+7=11", "11+3=14", "#### 14"];
  const ctx = runContext(prm, { backends: { policy: prm, verifier: prm } });
  const result = await verifySteps(likelihoodPrm(), problem, steps, ctx, { aggregation: "product" });
  assert.equal(result.scores.length, steps.length);
  for (const score of result.scores)
    assert.ok(Number.isFinite(score) && score >= 0 && score <= 1, String(score));
  assert.ok(result.value >= 0 && result.value <= 1);
  const calls = nodes(ctx.trace.trace, "generate");
  assert.equal(calls.length, 3);
  assert.ok(calls.every((c) => c.name === prm.id && c.data.purpose === "score" && (c.data.tokens ?? 0) > 0));
  assert.equal(ctx.ledger.usage[prm.id].calls, 3);
  assert.ok(ctx.ledger.usage[prm.id].promptTokens > 0);
});
