import assert from "node:assert/strict";
import { test } from "node:test";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { rewardModel } from "../../src/verifiers/reward-model.ts";
import { verify } from "../../src/verifiers/verify.ts";
import { context, nodes, problem } from "../strategies/fixtures.ts";

/** Scores "correct" continuations high after "42", low otherwise; the last token carries the verdict. */
function scorer() {
  return new ScriptedBackend({
    id: "rm",
    scorer: (request) => {
      const prompt = typeof request.prompt === "string" ? request.prompt : request.prompt.at(-1)!.content;
      const good = prompt.includes("\\boxed{42}");
      return [-0.1, -0.1, -0.1, -0.1, good ? -0.05 : -3];
    },
  });
}

test("the reward is the likelihood of the 'correct' continuation", async () => {
  const verifier = scorer();
  const policy = new ScriptedBackend();
  const ctx = context(policy, { backends: { policy, verifier } });
  const good = await verify(rewardModel(), problem, { text: "\\boxed{42}", answer: "42" }, ctx);
  const bad = await verify(rewardModel(), problem, { text: "\\boxed{41}", answer: "41" }, ctx);
  assert.ok(good.score > bad.score);
  assert.ok(Math.abs(good.score - Math.exp(-0.45 / 5)) < 1e-9, "mean of the 5 token logprobs");
  const last = await verify(
    rewardModel({ reduce: "last" }),
    problem,
    { text: "\\boxed{41}", answer: "41" },
    ctx,
  );
  assert.ok(Math.abs(last.score - Math.exp(-3)) < 1e-9);
  assert.equal(verifier.scoreCalls.length, 3);
  assert.equal(verifier.scoreCalls[0].continuation, "Yes, the solution is correct.");
  assert.equal(nodes(ctx.trace.trace, "score").length, 3);
  assert.equal(ctx.ledger.calls(), 3, "scoring calls count against the budget");
});

test("a backend without score() is a clear BAD_REQUEST", async () => {
  const policy = new ScriptedBackend();
  await assert.rejects(
    verify(rewardModel(), problem, { text: "x", answer: null }, context(policy)),
    (e: { code?: string; message: string }) => e.code === "BAD_REQUEST" && /cannot score/.test(e.message),
  );
});
