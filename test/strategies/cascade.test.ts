import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { closeSandboxes } from "../../src/sandbox/index.ts";
import { type CascadeDetails, cascade } from "../../src/strategies/cascade.ts";
import { solve } from "../../src/strategies/index.ts";
import type { Problem, Solution } from "../../src/strategies/types.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

after(() => closeSandboxes());

/**
 * The small model's four answers per question: agreement 1, 0.75, 0.5, 0.5, 0.25, 0.25. Samples
 * without an answer count against agreement: q5's one answer has the whole vote but no consensus.
 */
const VOTES: Record<string, string[]> = {
  q0: ["7", "7", "7", "7"],
  q1: ["8", "8", "8", "3"],
  q2: ["9", "9", "1", "2"],
  q3: ["4", "5", "4", "5"],
  q4: ["1", "2", "3", "none"],
  q5: ["6", "none", "none", "none"],
};
const question = (id: string): Problem => ({ id, messages: [{ role: "user", content: `Question ${id}?` }] });

function smallModel() {
  return new ScriptedBackend({
    id: "small",
    script: ({ request, sample }) => {
      const id = /Question (q\d)/.exec(request.messages?.at(-1)?.content ?? "")?.[1] ?? "q0";
      const answer = VOTES[id][sample];
      return answer === "none" ? "I am not sure." : `So it is \\boxed{${answer}}.`;
    },
  });
}

test("cascade escalates exactly the questions whose agreement is below τ", async () => {
  const small = smallModel();
  const large = new ScriptedBackend({ id: "large", script: ["The answer is \\boxed{100}."] });
  const solutions: Solution[] = [];
  const escalated: string[] = [];
  for (const id of Object.keys(VOTES)) {
    const trace = new TraceRecorder();
    const solution = await solve(question(id), {
      strategy: "cascade",
      options: { samples: 4, threshold: 0.75 },
      backends: { policy: small, large },
      trace,
    });
    solutions.push(solution);
    assert.ok(solution.escalation, "cascade reports whether it escalated");
    const details = solution.details as CascadeDetails;
    assert.equal(details.escalated, solution.escalation.escalated);
    assert.deepEqual(nodes(trace.trace, "strategy")[0].data.details, solution.details);
    const largeCalls = nodes(trace.trace, "generate").filter((g) => g.data.role === "large");
    if (solution.escalation.escalated) {
      escalated.push(id);
      assert.equal(solution.key, "100", "an escalated question takes the large model's answer");
      assert.ok(solution.usage.large.calls === 1);
      assert.equal(largeCalls.length, 1, "the large model samples in the `large` role");
      assert.ok(solution.candidates.some((c) => c.role === "large" && c.key === "100"));
    } else {
      assert.equal(solution.usage.large, undefined, "the large model was not called");
      assert.equal(largeCalls.length, 0);
      assert.ok(solution.candidates.every((c) => c.role === "policy"));
    }
    assertTraceComplete(trace.trace);
  }
  // Agreement 1 and 0.75 stay small; 0.5, 0.5 and 0.25 (the sample without an answer counts) escalate.
  assert.deepEqual(escalated, ["q2", "q3", "q4", "q5"]);
  assert.equal(large.calls.length, 4);
  assert.equal(small.calls.length, 6, "one native-n call per question");
  // The run's escalation share, from the solutions.
  const reported = solutions.filter((s) => s.escalation !== undefined);
  assert.equal(reported.length, 6);
  const escalations = reported.filter((s) => s.escalation?.escalated).length;
  assert.equal(escalations, 4);
  assert.equal(escalations / reported.length, 4 / 6);
});

test("the strategy span reports tokens per model and the saving against large-only", async () => {
  const small = smallModel();
  const large = new ScriptedBackend({ id: "large", script: ["The answer is \\boxed{100}."] });
  const kept = context(small, { backends: { policy: small, large } });
  const accepted = await cascade(question("q0"), kept, { samples: 4 });
  assert.equal(accepted.key, "7");
  assert.equal(accepted.confidence, 1, "the agreement share");
  const smallTokens = accepted.usage.small.promptTokens + accepted.usage.small.completionTokens;
  assert.deepEqual(accepted.details.tokens, { small: smallTokens, large: 0 });
  assert.deepEqual(nodes(kept.trace.trace, "strategy")[0].data.details, accepted.details);
  // Large-only would have been one sample of about a quarter of what four small samples cost.
  assert.ok(accepted.escalation);
  assert.equal(accepted.escalation.escalated, false);
  assert.equal(accepted.escalation.largeOnlyTokens, Math.round(smallTokens / 4));
  assert.equal(accepted.escalation.savedTokens, Math.round(smallTokens / 4) - smallTokens);
  assert.deepEqual(
    nodes(kept.trace.trace, "decision").map((d) => d.name),
    ["accept"],
  );

  const escalatedCtx = context(small, { backends: { policy: small, large } });
  const escalated = await cascade(question("q3"), escalatedCtx, { samples: 4 });
  const largeTokens = escalated.usage.large.promptTokens + escalated.usage.large.completionTokens;
  assert.equal(escalated.details.tokens.large, largeTokens);
  assert.ok(escalated.escalation);
  assert.equal(escalated.escalation.escalated, true);
  assert.equal(escalated.escalation.largeOnlyTokens, largeTokens);
  assert.equal(
    escalated.escalation.savedTokens,
    -escalated.details.tokens.small,
    "escalating costs the small tries",
  );
  const decision = nodes(escalatedCtx.trace.trace, "decision")[0];
  assert.equal(decision.name, "escalate");
  assert.equal(decision.data.facts?.level, 0.5);
  assert.equal(nodes(escalatedCtx.trace.trace, "vote").length, 2, "a small vote and a large vote");
});

test("confidence as the signal escalates an agreeing but unsure small model", async () => {
  const small = new ScriptedBackend({ id: "small", answers: { "7": 1 }, defaultLogprob: -1.5 });
  const large = new ScriptedBackend({ id: "large", script: ["\\boxed{8}"] });
  const ctx = context(small, { backends: { policy: small, large } });
  const solution = await cascade(problem, ctx, { samples: 3, signal: "confidence", threshold: 0.5 });
  assert.equal(solution.key, "8");
  assert.ok(
    small.calls.every((c) => c.logprobs === 0),
    "token logprobs requested",
  );
  const sure = new ScriptedBackend({ id: "small", answers: { "7": 1 }, defaultLogprob: -0.01 });
  const ctx2 = context(sure, { backends: { policy: sure, large } });
  assert.equal((await cascade(problem, ctx2, { samples: 3, signal: "confidence", threshold: 0.5 })).key, "7");
});

test("an escalation the budget cannot pay for keeps the small answer", async () => {
  const small = smallModel();
  const large = new ScriptedBackend({ id: "large", script: ["\\boxed{100}"] });
  const ctx = context(small, { backends: { policy: small, large } }, { maxCalls: 1 });
  const solution = await cascade(question("q3"), ctx, { samples: 4 });
  assert.equal(solution.key, "4");
  assert.equal(large.calls.length, 0);
  assert.equal(ctx.ledger.calls(), 1);
  const names = nodes(ctx.trace.trace, "decision").map((d) => d.name);
  assert.deepEqual(names, ["escalate", "keep-small"]);
  assert.equal(solution.details.escalated, false);
  assert.equal(solution.escalation?.escalated, false);
});

test("cascade without a large backend is a BAD_REQUEST before any call", async () => {
  const small = smallModel();
  await assert.rejects(
    cascade(problem, context(small)),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "BAD_REQUEST" && /`large`/.test(e.message),
  );
  assert.equal(small.calls.length, 0);
});

test("cascade: abort stops every in-flight generation", async () => {
  const small = new ScriptedBackend({
    answers: { "1": 1 },
    delayMs: 10_000,
    capabilities: { nativeN: false },
  });
  const large = new ScriptedBackend({ id: "large", answers: { "1": 1 } });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(
    solve(problem, {
      strategy: "cascade",
      options: { samples: 4 },
      backends: { policy: small, large },
      signal: controller.signal,
    }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "ABORTED",
  );
  assert.equal(small.calls.length, 4);
  assert.equal(small.aborted, 4);
  assert.equal(small.inFlight, 0);
  assert.equal(large.calls.length, 0);
});

test("cascade composes: the small and the large model both answer through program-aided", async () => {
  const program = (value: string) => `\`\`\`javascript\nconsole.log(${value});\n\`\`\``;
  const small = new ScriptedBackend({
    id: "small",
    script: ({ random }) => program(random() < 0.5 ? "6 * 7" : "6 * 8"),
  });
  const large = new ScriptedBackend({ id: "large", script: [program("6 * 7")] });
  const ctx = context(small, { backends: { policy: small, large } });
  const solution = await cascade(problem, ctx, {
    samples: 4,
    inner: "program-aided",
    innerOptions: { temperature: 1 },
  });
  // Seeded: the four small programs split 42 / 48 two to two, so the question escalates.
  assert.deepEqual(nodes(ctx.trace.trace, "vote")[0].data.counts, { "42": 2, "48": 2 });
  assert.equal(solution.details.escalated, true);
  assert.equal(solution.escalation?.escalated, true);
  assert.equal(solution.key, "42");
  assert.equal(nodes(ctx.trace.trace, "tool").length, 5, "every program ran in the sandbox");
  const inner = nodes(ctx.trace.trace, "strategy").filter((n) => n.name === "program-aided");
  assert.equal(inner.length, 5);
  assert.equal(large.calls.length, 1);
});
