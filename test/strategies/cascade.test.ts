import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { closeSandboxes } from "../../src/sandbox/index.ts";
import { cascade } from "../../src/strategies/cascade.ts";
import { cascadeReport } from "../../src/strategies/cascade-report.ts";
import { solve } from "../../src/strategies/index.ts";
import type { Problem } from "../../src/strategies/types.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import type { Trace } from "../../src/trace/types.ts";
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
  const traces: Trace[] = [];
  const escalated: string[] = [];
  for (const id of Object.keys(VOTES)) {
    const trace = new TraceRecorder();
    const solution = await solve(question(id), {
      strategy: "cascade",
      options: { samples: 4, threshold: 0.75 },
      backends: { policy: small, large },
      trace,
    });
    traces.push(trace.trace);
    const span = nodes(trace.trace, "strategy")[0];
    if (span.data.escalated === true) {
      escalated.push(id);
      assert.equal(solution.key, "100", "an escalated question takes the large model's answer");
      assert.ok(solution.usage.large.calls === 1);
    } else {
      assert.equal(solution.usage.large, undefined, "the large model was not called");
    }
    assertTraceComplete(trace.trace);
  }
  // Agreement 1 and 0.75 stay small; 0.5, 0.5 and 0.25 (the sample without an answer counts) escalate.
  assert.deepEqual(escalated, ["q2", "q3", "q4", "q5"]);
  assert.equal(large.calls.length, 4);
  assert.equal(small.calls.length, 6, "one native-n call per question");
  const report = cascadeReport(traces);
  assert.equal(report.questions, 6);
  assert.equal(report.escalated, 4);
  assert.equal(report.escalationShare, 4 / 6);
});

test("the strategy span reports tokens per model and the saving against large-only", async () => {
  const small = smallModel();
  const large = new ScriptedBackend({ id: "large", script: ["The answer is \\boxed{100}."] });
  const kept = context(small, { backends: { policy: small, large } });
  const accepted = await cascade(question("q0"), kept, { samples: 4 });
  assert.equal(accepted.key, "7");
  assert.equal(accepted.confidence, 1, "the agreement share");
  const span = nodes(kept.trace.trace, "strategy")[0].data;
  const smallTokens = accepted.usage.small.promptTokens + accepted.usage.small.completionTokens;
  assert.deepEqual(span.tokens, { small: smallTokens, large: 0 });
  // Large-only would have been one sample of about a quarter of what four small samples cost.
  assert.equal(span.largeOnlyTokens, Math.round(smallTokens / 4));
  assert.equal(span.savedTokens, Math.round(smallTokens / 4) - smallTokens);
  assert.deepEqual(
    nodes(kept.trace.trace, "decision").map((d) => d.name),
    ["accept"],
  );

  const escalatedCtx = context(small, { backends: { policy: small, large } });
  const escalated = await cascade(question("q3"), escalatedCtx, { samples: 4 });
  const data = nodes(escalatedCtx.trace.trace, "strategy")[0].data;
  const largeTokens = escalated.usage.large.promptTokens + escalated.usage.large.completionTokens;
  assert.equal((data.tokens as { large: number }).large, largeTokens);
  assert.equal(
    data.savedTokens,
    -(data.tokens as { small: number }).small,
    "escalating costs the small tries",
  );
  const decision = nodes(escalatedCtx.trace.trace, "decision")[0];
  assert.equal(decision.name, "escalate");
  assert.equal(decision.data.level, 0.5);
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
  assert.equal(nodes(ctx.trace.trace, "strategy")[0].data.escalated, false);
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
  assert.equal(nodes(ctx.trace.trace, "strategy")[0].data.escalated, true);
  assert.equal(solution.key, "42");
  assert.equal(nodes(ctx.trace.trace, "tool").length, 5, "every program ran in the sandbox");
  const inner = nodes(ctx.trace.trace, "strategy").filter((n) => n.name === "program-aided");
  assert.equal(inner.length, 5);
  assert.equal(large.calls.length, 1);
});
