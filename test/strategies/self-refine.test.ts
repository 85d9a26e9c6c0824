import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { closeSandboxes } from "../../src/sandbox/index.ts";
import { solve } from "../../src/strategies/index.ts";
import { selfRefine } from "../../src/strategies/self-refine.ts";
import type { Problem } from "../../src/strategies/types.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { constraints } from "../../src/verifiers/index.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

after(() => closeSandboxes());

/** A model that answers 41, is told so by its own critique, and corrects itself to 42. */
function learner() {
  return new ScriptedBackend({
    script: ({ request }) => {
      const last = request.messages?.at(-1)?.content ?? "";
      const answered = request.messages?.at(-2)?.content ?? "";
      if (last.startsWith("Review the solution")) {
        return answered.includes("{42}")
          ? "Each step holds.\nVerdict: correct"
          : "6 * 7 is not 41, recount.\nVerdict: incorrect";
      }
      if (last.startsWith("Feedback on your solution")) return "Recounting: 6 * 7 = \\boxed{42}.";
      return "6 * 7 = \\boxed{41}.";
    },
  });
}

test("self-refine: answer, self-critique, revision, accepted once the critique passes", async () => {
  const policy = learner();
  const ctx = context(policy);
  const solution = await selfRefine(problem, ctx);
  assert.equal(solution.key, "42");
  assert.equal(solution.confidence, 1);
  assert.equal(policy.calls.length, 4, "answer, critique, revision, critique");
  const revision = policy.calls[2].messages ?? [];
  assert.match(revision.at(-1)?.content ?? "", /6 \* 7 is not 41/, "the critique is the feedback");
  assert.deepEqual(
    nodes(ctx.trace.trace, "decision").map((d) => d.name),
    ["revise", "accept"],
  );
  assertTraceComplete(ctx.trace.trace);
});

test("self-refine with a verifier revises until the score reaches τ", async () => {
  const policy = learner();
  const isRight = constraints({ "is 42": (candidate) => candidate.answer === "42" });
  const ctx = context(policy);
  const solution = await selfRefine(problem, ctx, { feedback: "verifier", verifier: isRight });
  assert.equal(solution.key, "42");
  assert.equal(policy.calls.length, 2, "answer and one revision; the verifier needs no model");
  assert.match(policy.calls[1].messages?.at(-1)?.content ?? "", /Failed checks: is 42/);
  const scores = nodes(ctx.trace.trace, "score").map((s) => s.data.value);
  assert.deepEqual(scores, [0, 1]);
});

test("self-refine stops after `rounds` revisions and answers with the best-checked draft", async () => {
  const drafts = ["41", "42", "43"];
  let n = 0;
  const policy = new ScriptedBackend({ script: () => `Attempt \\boxed{${drafts[n++]}}` });
  // Partial credit below τ: 42 scores best (0.9), so the second draft wins although a third follows.
  const closeness = constraints({ near: (c) => 0.9 - Math.abs(Number(c.answer) - 42) / 10 });
  const ctx = context(policy);
  const solution = await selfRefine(problem, ctx, {
    feedback: "verifier",
    verifier: closeness,
    threshold: 0.95,
    rounds: 2,
  });
  assert.equal(policy.calls.length, 3);
  assert.equal(solution.key, "42");
  assert.equal(solution.confidence, 0.9);
  assert.equal(solution.details.chosen, 1);
  assert.equal(solution.details.rounds, 2);
  // Every draft is a candidate, scored by the check it got.
  assert.deepEqual(
    solution.candidates.map((c) => [c.index, c.key]),
    [
      [0, "41"],
      [1, "42"],
      [2, "43"],
    ],
  );
  assert.equal(solution.candidates[1].score, 0.9);
  assert.deepEqual(
    nodes(ctx.trace.trace, "decision").map((d) => d.name),
    ["revise", "revise", "stop"],
  );
});

test("self-refine with a call budget returns its last draft without failing", async () => {
  const policy = new ScriptedBackend({
    script: ({ request }) =>
      request.messages?.at(-1)?.content.startsWith("Review") ? "Verdict: incorrect" : "\\boxed{41}",
  });
  const ctx = context(policy, {}, { maxCalls: 3 });
  const solution = await selfRefine(problem, ctx, { rounds: 5 });
  assert.equal(policy.calls.length, 3);
  assert.equal(solution.key, "41");
  assert.equal(nodes(ctx.trace.trace, "decision").at(-1)?.name, "stop");
});

const codeProblem: Problem = {
  id: "code1",
  kind: "code",
  messages: [{ role: "user", content: "Write add(a, b) in JavaScript." }],
  tests: { language: "javascript", code: "assert.equal(add(2, 3), 5);" },
};

test("self-refine runs the problem's tests and feeds the failure back", async () => {
  const policy = new ScriptedBackend({
    script: ({ request }) =>
      (request.messages?.at(-1)?.content ?? "").startsWith("Feedback")
        ? "```javascript\nfunction add(a, b) { return a + b; }\n```"
        : "```javascript\nfunction add(a, b) { return a - b; }\n```",
  });
  const ctx = context(policy);
  const solution = await selfRefine(codeProblem, ctx);
  assert.match(solution.text, /a \+ b/);
  assert.equal(solution.confidence, 1);
  assert.equal(policy.calls.length, 2);
  assert.match(policy.calls[1].messages?.at(-1)?.content ?? "", /test failed: AssertionError/);
  const tools = nodes(ctx.trace.trace, "tool");
  assert.deepEqual(
    tools.map((t) => t.data.verdict),
    ["incorrect", "correct"],
  );
  assert.ok(tools.every((t) => t.name === "tests:javascript"));
});

test("`feedback: tests` without tests is a BAD_REQUEST before any call", async () => {
  const policy = learner();
  await assert.rejects(
    selfRefine(problem, context(policy), { feedback: "tests" }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "BAD_REQUEST",
  );
  assert.equal(policy.calls.length, 0);
});

test("self-refine: abort stops the in-flight generation", async () => {
  const policy = new ScriptedBackend({ answers: { "1": 1 }, delayMs: 10_000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(
    solve(problem, { strategy: "self-refine", backends: { policy }, signal: controller.signal }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "ABORTED",
  );
  assert.equal(policy.inFlight, 0);
  assert.equal(policy.aborted, 1);
});

test("a thinking model's verdict is read after its reasoning", async () => {
  const policy = new ScriptedBackend({
    script: ({ request }) =>
      (request.messages?.at(-1)?.content ?? "").startsWith("Review")
        ? "<think>Looks fine at first. Verdict: correct</think>On reflection it is wrong: 6 * 7 is 42."
        : "\\boxed{41}",
  });
  const ctx = context(policy);
  await selfRefine(problem, ctx, { rounds: 1 });
  assert.deepEqual(
    nodes(ctx.trace.trace, "decision").map((d) => d.name),
    ["revise", "stop"],
  );
  assert.doesNotMatch(
    policy.calls[2].messages?.at(-1)?.content ?? "",
    /<think>/,
    "feedback without the thinking",
  );
});
