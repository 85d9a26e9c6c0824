import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { solve, takesOption } from "../../src/strategies/index.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { problem } from "./fixtures.ts";

for (const strategy of [
  "self-consistency",
  "confidence-vote",
  "best-of-n",
  "weighted-best-of-n",
  "cot",
  "mcts",
]) {
  test(`${strategy}: abort stops every in-flight generation and rejects with ABORTED`, async () => {
    const policy = new ScriptedBackend({
      answers: { "42": 1 },
      tokenDelayMs: 50,
      delayMs: 10_000,
      capabilities: { nativeN: false },
    });
    const controller = new AbortController();
    const trace = new TraceRecorder();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(
      solve(problem, {
        strategy,
        // Options are strict: `cot` has no samples.
        options: takesOption(strategy, "samples") ? { samples: 6 } : {},
        backends: { policy },
        signal: controller.signal,
        trace,
      }),
      (e: unknown) => DeliberateError.isInstance(e) && e.code === "ABORTED",
    );
    assert.ok(Date.now() - started < 2_000, "aborted promptly");
    assert.equal(policy.inFlight, 0);
    assert.equal(policy.aborted, policy.calls.length, "every started sample saw the abort");
    assert.ok(policy.calls.length >= 1);
    assert.ok(trace.trace.error, "the trace records the failure");
    assert.ok(
      trace.trace.nodes.every((n) => n.endedAt !== undefined),
      "every node ended",
    );
  });
}

test("an already-aborted signal makes no call", async () => {
  const policy = new ScriptedBackend({ answers: { "42": 1 } });
  await assert.rejects(
    solve(problem, { strategy: "self-consistency", backends: { policy }, signal: AbortSignal.abort() }),
    (e: unknown) => DeliberateError.isInstance(e) && e.code === "ABORTED",
  );
  assert.equal(policy.calls.length, 0);
});
