import assert from "node:assert/strict";
import { test } from "node:test";
import { confidenceVote } from "../../src/strategies/confidence-vote.ts";
import {
  groupConfidences,
  quantile,
  tokenConfidence,
  traceConfidence,
} from "../../src/strategies/trace-confidence.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { assertTraceComplete, context, nodes, problem } from "./fixtures.ts";

const LENGTH = 40;

/** Correct traces are confident throughout; wrong ones have a long unsure stretch. */
function trace(answer: string, confident: boolean) {
  const text = `${"reason ".repeat(LENGTH)}so \\boxed{${answer}}`;
  const logprob = Array.from({ length: LENGTH + 2 }, (_, i) => (confident || i < 5 ? -0.01 : -2));
  return { text, logprob };
}

test("token confidence is the negative mean top-k logprob", () => {
  assert.equal(
    tokenConfidence({
      token: "a",
      logprob: -1,
      top: [
        { token: "a", logprob: -1 },
        { token: "b", logprob: -3 },
      ],
    }),
    2,
  );
  assert.equal(tokenConfidence({ token: "a", logprob: -0.5 }), 0.5);
  assert.deepEqual(groupConfidences([1, 2, 3, 4], 2), [1.5, 2.5, 3.5]);
  assert.deepEqual(groupConfidences([1, 2], 5), [1.5]);
  const tokens = [1, 1, 5, 1].map((c) => ({ token: "x", logprob: -c }));
  assert.equal(traceConfidence(tokens, "lowest-group", 2), 1);
  assert.equal(traceConfidence(tokens, "mean", 2), 2);
  assert.equal(traceConfidence(tokens, "tail", 2), 3);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantile([1, 2], 0.25), 1.25);
});

test("dropping unconfident traces turns a wrong majority into the right answer", async () => {
  // 3 confident "42", 5 unconfident "13": plain majority says 13.
  const script = [
    ...Array.from({ length: 3 }, () => trace("42", true)),
    ...Array.from({ length: 5 }, () => trace("13", false)),
  ];
  const plain = await confidenceVote(
    problem,
    context(new ScriptedBackend({ script, capabilities: { logprobs: false } })),
    {
      samples: 8,
    },
  );
  assert.equal(plain.key, "13", "without logprobs it is a plain majority");
  assert.equal(plain.details.logprobs, false);
  assert.equal(plain.details.kept, 8, "without logprobs no trace is dropped");

  const backend = new ScriptedBackend({ script });
  const ctx = context(backend);
  const solution = await confidenceVote(problem, ctx, { samples: 8, keep: 0.5, groupSize: 8 });
  assert.equal(solution.key, "42");
  assert.equal(backend.calls[0].logprobs, 5);
  assert.equal(solution.details.kept, 4);
  assert.equal(solution.details.traces, 8);
  assert.equal(solution.candidates.length, 8, "every trace is a candidate, kept or not");
  const [voteNode] = nodes(ctx.trace.trace, "vote");
  assert.equal(voteNode.data.samples, 4, "only the kept traces vote");
  assertTraceComplete(ctx.trace.finish());
});

test("online mode stops low-confidence traces early and keeps the confident ones", async () => {
  // Warm-up: 2 confident, 2 unsure; afterwards alternate.
  const script = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? trace("42", true) : trace("13", false)));
  const backend = new ScriptedBackend({ script, tokenDelayMs: 1, capabilities: { nativeN: false } });
  const ctx = context(backend);
  const solution = await confidenceVote(problem, ctx, {
    samples: 12,
    warmup: 4,
    online: true,
    keep: 0.5,
    groupSize: 8,
  });
  assert.equal(solution.key, "42");
  const terminated = nodes(ctx.trace.trace, "decision").filter((n) => n.name === "terminate");
  assert.equal(terminated.length, 4, "the 4 unsure traces after warm-up are stopped");
  assert.equal(backend.aborted, 4);
  assert.equal(solution.details.terminated, 4);
  for (const node of terminated)
    assert.ok((node.data.facts?.tokens as number) < LENGTH, "stopped before the end");
  assertTraceComplete(ctx.trace.finish());
});
