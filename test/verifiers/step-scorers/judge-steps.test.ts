import assert from "node:assert/strict";
import { test } from "node:test";
import { ScriptedBackend } from "../../../src/testing/scripted-backend.ts";
import { judgeSteps } from "../../../src/verifiers/step-scorers/judge-steps.ts";
import { runContext as context, nodes } from "./run-context.ts";

const problem = { id: "j", messages: [{ role: "user" as const, content: "Compute 4+7+3." }] };

test("step-judge asks the judge once per prefix and reads P(Yes) for each", async () => {
  // The judge says No once the steps so far contain the wrong sum.
  const verifier = new ScriptedBackend({
    id: "judge",
    script: ({ request }) =>
      /Solution so far:\n[\s\S]*11\+3=15/.test(request.messages?.at(-1)?.content ?? "") ? "No" : "Yes",
  });
  const ctx = context(new ScriptedBackend(), { backends: { policy: new ScriptedBackend(), verifier } });
  const result = await judgeSteps().scoreSteps(problem, ["4+7=11", "11+3=15", "#### 15"], ctx);
  assert.deepEqual(result.scores, [1, 0, 0]);
  assert.equal(result.method, "judge");
  assert.deepEqual(result.data?.methods, ["logprobs", "logprobs", "logprobs"]);
  // Each prefix shown one step per line, judged with one greedy token.
  const shown = verifier.calls.map(
    (c) => /Solution so far:\n([\s\S]*?)\n\n/.exec(c.messages?.at(-1)?.content ?? "")?.[1],
  );
  assert.deepEqual(shown.sort(), ["4+7=11", "4+7=11\n11+3=15", "4+7=11\n11+3=15\n#### 15"]);
  assert.ok(verifier.calls.every((c) => c.maxTokens === 1 && c.temperature === 0));
  assert.equal(nodes(ctx.trace.trace, "generate").filter((n) => n.data.purpose === "judge").length, 3);
});
