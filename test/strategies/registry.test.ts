import assert from "node:assert/strict";
import { test } from "node:test";
import { describeStrategies, solve, strategies } from "../../src/strategies/index.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { assertTraceComplete, nodes, problem } from "./fixtures.ts";

test("the registry holds this part's strategies, each with a description and options schema", () => {
  for (const name of ["cot", "self-consistency", "confidence-vote", "best-of-n", "weighted-best-of-n"]) {
    assert.ok(name in strategies, name);
  }
  const described = describeStrategies();
  const sc = described.find((d) => d.name === "self-consistency")!;
  const properties = (sc.options as { properties: Record<string, { description?: string }> }).properties;
  assert.match(properties.samples.description!, /Candidates to sample/);
  assert.ok(properties.stopping);
});

test("solve runs a strategy by name and finishes the trace", async () => {
  const trace = new TraceRecorder();
  const solution = await solve(problem, {
    strategy: "self-consistency",
    options: { samples: 3 },
    backends: { policy: new ScriptedBackend({ answers: { "42": 1 } }) },
    trace,
  });
  assert.equal(solution.key, "42");
  assert.ok(trace.trace.endedAt !== undefined);
  assert.equal(trace.trace.error, undefined);
  assertTraceComplete(trace.trace);
});

test("unknown strategies and bad options are BAD_REQUESTs naming the culprit", async () => {
  const backends = { policy: new ScriptedBackend() };
  await assert.rejects(
    solve(problem, { strategy: "magic", backends }),
    (e: { code?: string; message: string }) =>
      e.code === "BAD_REQUEST" && /`magic`.*self-consistency/.test(e.message),
  );
  await assert.rejects(
    solve(problem, { strategy: "self-consistency", options: { samples: 0 }, backends }),
    (e: { code?: string; message: string }) => e.code === "BAD_REQUEST" && /`samples`/.test(e.message),
  );
  await assert.rejects(
    solve(problem, { strategy: "best-of-n", options: { verifier: "oracle" }, backends }),
    (e: { code?: string; message: string }) => e.code === "BAD_REQUEST" && /`verifier`/.test(e.message),
  );
});

test("strategies compose: self-consistency over cot with budget forcing", async () => {
  const policy = new ScriptedBackend({
    script: ({ request, random }) =>
      request.assistantPrefix ? `${random() < 0.8 ? 42 : 41}}` : `<think>${" step".repeat(30)}</think>`,
  });
  const trace = new TraceRecorder();
  const solution = await solve(problem, {
    strategy: "self-consistency",
    options: { samples: 4, inner: "cot", innerOptions: { thinkingBudget: 8, temperature: 0.7 } },
    backends: { policy },
    trace,
  });
  assert.equal(solution.key, "42");
  // Each inner cot: one thinking call plus one forced answer.
  assert.equal(policy.calls.length, 8);
  const spans = nodes(trace.trace, "strategy");
  assert.equal(spans.length, 5);
  const root = spans.find((s) => s.parentId === undefined)!;
  assert.equal(root.name, "self-consistency");
  assert.ok(spans.filter((s) => s.name === "cot").every((s) => s.parentId === root.id));
  // Inner runs get distinct seeds, so their samples differ.
  assert.equal(new Set(policy.calls.filter((c) => !c.assistantPrefix).map((c) => c.seed)).size, 4);
  assert.equal(solution.usage.scripted.calls, 8);
  assertTraceComplete(trace.trace);
});

test("an unknown inner strategy fails clearly", async () => {
  await assert.rejects(
    solve(problem, {
      strategy: "self-consistency",
      options: { samples: 2, inner: "nope" },
      backends: { policy: new ScriptedBackend() },
    }),
    (e: { code?: string; message: string }) => e.code === "BAD_REQUEST" && /`nope`/.test(e.message),
  );
});
