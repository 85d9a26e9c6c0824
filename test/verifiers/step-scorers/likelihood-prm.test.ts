import assert from "node:assert/strict";
import { test } from "node:test";
import type { ScoreRequest } from "../../../src/models/types.ts";
import { ScriptedBackend } from "../../../src/testing/scripted-backend.ts";
import { likelihoodPrm } from "../../../src/verifiers/step-scorers/likelihood-prm.ts";
import { PRM_YES, prmPrompt } from "../../../src/verifiers/step-scorers/prm-prompt.ts";
import { verifySteps } from "../../../src/verifiers/step-scorers/verify-steps.ts";
import { runContext as context, nodes } from "./run-context.ts";

const problem = { id: "sums", messages: [{ role: "user" as const, content: "Compute 4+7+3." }] };
const steps = ["4+7=11", "11+3=14", "#### 14"];

/** logprob of "Yes" per prefix: known values keyed by the prompt, so a wrong prompt scores NaN. */
const KNOWN = new Map(
  steps.map((_, i) => [prmPrompt("Compute 4+7+3.", steps.slice(0, i + 1)), -0.1 * (i + 1)]),
);

function prmBackend() {
  return new ScriptedBackend({
    id: "prm",
    scorer: (request: ScoreRequest) => [KNOWN.get(request.prompt as string) ?? Number.NaN],
  });
}

test("prm scores each prefix as exp(logprob of PRM_YES after prmPrompt)", async () => {
  const verifier = prmBackend();
  const ctx = context(new ScriptedBackend(), { backends: { policy: new ScriptedBackend(), verifier } });
  const result = await likelihoodPrm().scoreSteps(problem, steps, ctx);
  assert.equal(result.method, "prm-likelihood");
  assert.deepEqual(
    result.scores.map((s) => s.toFixed(12)),
    [-0.1, -0.2, -0.3].map((l) => Math.exp(l).toFixed(12)),
  );
  // One scoring call per prefix, each exactly the shared prompt with the shared verdict.
  const sent = verifier.scoreCalls.map((c) => c.prompt).sort();
  assert.deepEqual(sent, [...KNOWN.keys()].sort());
  assert.ok(verifier.scoreCalls.every((c) => c.continuation === PRM_YES));
  assert.equal(ctx.ledger.calls(), 3, "every prefix's scoring call counts against the budget");
});

test("prm issues the prefix calls concurrently", { timeout: 20_000 }, async () => {
  const verifier = prmBackend();
  const score = verifier.score!;
  // A barrier: no call answers until all three have been made, so sequential calls would never finish.
  let entered = 0;
  let open!: () => void;
  const barrier = new Promise<void>((resolve) => (open = resolve));
  verifier.score = async (request) => {
    if (++entered === steps.length) open();
    await barrier;
    return score(request);
  };
  const ctx = context(new ScriptedBackend(), { backends: { policy: new ScriptedBackend(), verifier } });
  const result = await likelihoodPrm().scoreSteps(problem, steps, ctx);
  assert.equal(result.scores.length, 3);
});

test("prm falls back to the policy without a verifier backend, and scores nothing for no steps", async () => {
  const policy = prmBackend();
  const ctx = context(policy);
  const result = await likelihoodPrm().scoreSteps(problem, steps.slice(0, 2), ctx);
  assert.equal(result.scores.length, 2);
  assert.equal(policy.scoreCalls.length, 2);
  assert.deepEqual((await likelihoodPrm().scoreSteps(problem, [], ctx)).scores, []);
  assert.equal(policy.scoreCalls.length, 2);
});

test("a backend without score() is a clear BAD_REQUEST", async () => {
  await assert.rejects(
    likelihoodPrm().scoreSteps(problem, steps, context(new ScriptedBackend({ id: "plain" }))),
    (e: { code?: string; message: string }) =>
      e.code === "BAD_REQUEST" && /`plain` cannot score/.test(e.message),
  );
});

test("verifySteps records one score node with the per-step scores, the aggregate and the calls under it", async () => {
  const verifier = prmBackend();
  const ctx = context(new ScriptedBackend(), { backends: { policy: new ScriptedBackend(), verifier } });
  const root = ctx.trace.start("strategy", "test", {});
  const result = await verifySteps(
    likelihoodPrm(),
    problem,
    steps,
    { ...ctx, parentId: root.id },
    {
      aggregation: "min",
      candidate: 5,
    },
  );
  root.end();
  assert.ok(Math.abs(result.value - Math.exp(-0.3)) < 1e-12, "min of the three");
  const [score] = nodes(ctx.trace.trace, "score");
  assert.equal(score.name, "prm");
  assert.equal(score.data.candidate, 5);
  assert.equal(score.data.value, result.value);
  assert.equal(score.data.details?.aggregation, "min");
  assert.deepEqual(score.data.details?.stepScores, result.scores);
  const calls = nodes(ctx.trace.trace, "generate");
  assert.equal(calls.length, 3);
  assert.ok(calls.every((c) => c.parentId === score.id && c.data.purpose === "score"));
  assert.deepEqual(calls.map((c) => c.data.tags?.step).sort(), [0, 1, 2]);
  assert.ok(
    ctx.trace.trace.nodes.every((n) => n.endedAt !== undefined),
    "every node ended",
  );
});
