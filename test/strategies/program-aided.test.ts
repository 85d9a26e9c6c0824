import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { closeSandboxes } from "../../src/sandbox/index.ts";
import { solve } from "../../src/strategies/index.ts";
import { programAided } from "../../src/strategies/program-aided.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

after(() => closeSandboxes());

const js = (code: string) => `Let me compute it.\n\`\`\`javascript\n${code}\n\`\`\``;

test("program-aided runs the program and boxes what it printed", async () => {
  const policy = new ScriptedBackend({ script: [js("const a = 6, b = 7;\nconsole.log(a * b);")] });
  const ctx = context(policy);
  const solution = await programAided(problem, ctx);
  assert.equal(solution.key, "42");
  assert.match(solution.text, /\\boxed\{42\}/);
  const tools = nodes(ctx.trace.trace, "tool");
  assert.equal(tools.length, 1);
  assert.equal(tools[0].name, "sandbox:javascript");
  assert.equal(tools[0].data.ok, true);
  assert.equal(tools[0].data.stdout, "42\n");
  assert.match(String(tools[0].data.code), /console\.log\(a \* b\)/);
  assert.equal(policy.calls.length, 1);
  assert.match(policy.calls[0].messages?.[0].content ?? "", /JavaScript program/);
});

test("program-aided shows the error to the model and succeeds on the retry", async () => {
  const policy = new ScriptedBackend({
    script: [js("console.log(undefinedThing.value);"), js("console.log(6 * 7);")],
  });
  const ctx = context(policy);
  const solution = await programAided(problem, ctx, { retries: 2 });
  assert.equal(solution.key, "42");
  assert.equal(policy.calls.length, 2);
  const retry = policy.calls[1].messages ?? [];
  assert.equal(retry.at(-2)?.role, "assistant");
  assert.match(retry.at(-1)?.content ?? "", /undefinedThing/, "the error text goes back to the model");
  const tools = nodes(ctx.trace.trace, "tool");
  assert.deepEqual(
    tools.map((t) => t.data.ok),
    [false, true],
  );
  assert.equal(tools[0].data.reason, "error");
  const decisions = nodes(ctx.trace.trace, "decision").map((d) => d.name);
  assert.deepEqual(decisions, ["retry"]);
  // Different seeds per attempt, so a sampled retry is not the same draw again.
  assert.notEqual(policy.calls[0].seed, policy.calls[1].seed);
});

test("program-aided gives up after its retries and says so", async () => {
  const policy = new ScriptedBackend({ script: [js("throw new Error('nope');")] });
  const ctx = context(policy);
  const solution = await programAided(problem, ctx, { retries: 1 });
  assert.equal(policy.calls.length, 2);
  assert.equal(solution.confidence, 0);
  assert.equal(nodes(ctx.trace.trace, "tool").length, 2);
  assert.deepEqual(
    nodes(ctx.trace.trace, "decision").map((d) => d.name),
    ["retry", "give-up"],
  );
  assert.equal(solution.details.ok, false);
  assert.equal(solution.details.attempts, 2);
  assert.deepEqual(nodes(ctx.trace.trace, "strategy")[0].data.details, solution.details);
});

test("a reply without a program counts as a failure and is retried", async () => {
  const policy = new ScriptedBackend({ script: ["It is:\n```text\n42\n```", js("42")] });
  const ctx = context(policy);
  const solution = await programAided(problem, ctx);
  assert.equal(solution.key, "42", "the last expression's value is the answer");
  assert.match(policy.calls[1].messages?.at(-1)?.content ?? "", /no program/);
  assert.equal(nodes(ctx.trace.trace, "tool").length, 1, "nothing ran for the reply without code");
});

test("prose without a fence is run as code, and its syntax error goes back", async () => {
  const policy = new ScriptedBackend({ script: ["I think it is 42.", js("console.log(42)")] });
  const ctx = context(policy);
  const solution = await programAided(problem, ctx);
  assert.equal(solution.key, "42");
  assert.match(policy.calls[1].messages?.at(-1)?.content ?? "", /failed \(syntax\)/);
});

test("program-aided writes and runs Python", async () => {
  const policy = new ScriptedBackend({ script: ["```python\nprint(sum([6] * 7))\n```"] });
  const ctx = context(policy);
  const solution = await programAided(problem, ctx, { language: "python", timeoutMs: 20_000 });
  assert.equal(solution.key, "42");
  assert.equal(nodes(ctx.trace.trace, "tool")[0].name, "sandbox:python");
});

test("retries stop at the call budget instead of failing", async () => {
  const policy = new ScriptedBackend({ script: [js("throw new Error('nope');")] });
  const ctx = context(policy, {}, { maxCalls: 2 });
  const solution = await programAided(problem, ctx, { retries: 5 });
  assert.equal(policy.calls.length, 2);
  assert.equal(solution.usage.scripted.calls, 2);
  assert.ok(nodes(ctx.trace.trace, "decision").some((d) => d.name === "stop"));
});

test("self-consistency votes over program-aided samples", async () => {
  // Seeded: most programs compute 42, some have an off-by-one and print 41.
  const policy = new ScriptedBackend({
    script: ({ random }) => js(`console.log(6 * 7 - ${random() < 0.25 ? 1 : 0});`),
  });
  const trace = new TraceRecorder();
  const solution = await solve(problem, {
    strategy: "self-consistency",
    options: { samples: 6, inner: "program-aided", innerOptions: { temperature: 0.7 } },
    backends: { policy },
    trace,
    seed: 1,
  });
  assert.equal(solution.key, "42");
  assert.equal(policy.calls.length, 6);
  assert.equal(new Set(policy.calls.map((c) => c.seed)).size, 6, "each inner run samples its own seed");
  assert.ok(policy.calls.every((c) => c.temperature === 0.7));
  assert.equal(nodes(trace.trace, "tool").length, 6);
  const inner = nodes(trace.trace, "strategy").filter((n) => n.name === "program-aided");
  assert.equal(inner.length, 6);
  const vote = nodes(trace.trace, "vote")[0];
  const counts = vote.data.counts as Record<string, number>;
  assert.equal((counts["42"] ?? 0) + (counts["41"] ?? 0), 6);
  assertTraceComplete(trace.trace);
});

test("program-aided: abort stops the in-flight generation", async () => {
  const policy = new ScriptedBackend({ script: [js("console.log(42)")], delayMs: 10_000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const started = Date.now();
  await assert.rejects(
    solve(problem, { strategy: "program-aided", backends: { policy }, signal: controller.signal }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "ABORTED",
  );
  assert.ok(Date.now() - started < 2_000);
  assert.equal(policy.inFlight, 0);
  assert.equal(policy.aborted, 1);
});
