import assert from "node:assert/strict";
import { test } from "node:test";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { constraints } from "../../src/verifiers/constraints.ts";
import { verify } from "../../src/verifiers/verify.ts";
import { context, nodes, problem } from "../strategies/fixtures.ts";

test("the score is the share of checks passed; failures and throwing checks are named", async () => {
  const verifier = constraints({
    integer: (c) => /^-?\d+$/.test(c.answer ?? ""),
    even: (c) => Number(c.answer) % 2 === 0,
    partial: () => 0.5,
    broken: () => {
      throw new Error("bug in a check");
    },
  });
  const ctx = context(new ScriptedBackend());
  const result = await verify(verifier, problem, { text: "\\boxed{42}", answer: "42", index: 3 }, ctx);
  assert.equal(result.score, 2.5 / 4);
  assert.deepEqual(result.data?.failed, ["partial", "broken"]);
  const [node] = nodes(ctx.trace.trace, "score");
  assert.equal(node.name, "constraints");
  assert.equal(node.data.candidate, 3);
  assert.equal(node.data.value, 2.5 / 4);
});
