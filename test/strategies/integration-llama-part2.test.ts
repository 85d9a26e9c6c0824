/**
 * Program-aided, self-refine, beam, dvts, cascade and speculative thinking end to end on real
 * llama.cpp with tiny random-weight GGUFs (a second one, with other weights, as the `large` model):
 * the answers are noise, but prefill, step-break stop strings, streaming with early stops, the step
 * judge's logprobs, the sandbox, budgets and traces all run through node-llama-cpp for real.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createLlamaBackend, type LlamaBackend } from "../../src/models/llama/index.ts";
import { closeSandboxes } from "../../src/sandbox/index.ts";
import type { CascadeDetails } from "../../src/strategies/cascade.ts";
import { solve } from "../../src/strategies/index.ts";
import type { SpeculativeThinkingDetails } from "../../src/strategies/speculative-thinking.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { tinyModelPath } from "../helpers/tiny-model.ts";
import { assertTraceComplete, nodes, problem } from "./fixtures.ts";

let policy: LlamaBackend;
let large: LlamaBackend;
before(async () => {
  policy = await createLlamaBackend({ model: await tinyModelPath(), threads: 1, contextSize: 1024 });
  large = await createLlamaBackend({
    model: await tinyModelPath({ seed: 2 }),
    threads: 1,
    contextSize: 1024,
  });
});
after(async () => {
  await policy.close();
  await large.close();
  await closeSandboxes();
});

const SHORT = { maxTokens: 24 };
/** The tiny model writes letter soup: a one-character word after a space is its "reflection cue". */
const SOUP_CUES = {
  stepBreak: " ",
  cues: [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"],
};
const BUDGET = { maxCalls: 40, maxTokens: 30_000 };

for (const [strategy, options] of [
  ["program-aided", { ...SHORT, retries: 1 }],
  ["self-refine", { ...SHORT, rounds: 1 }],
  ["beam", { ...SHORT, beamWidth: 2, expansions: 2, maxDepth: 3, stepTokens: 8 }],
  ["dvts", { ...SHORT, samples: 4, expansions: 2, maxDepth: 3, stepTokens: 8 }],
  ["cascade", { ...SHORT, samples: 3 }],
  ["speculative-thinking", { maxTokens: 60, largeTokens: 8, ...SOUP_CUES }],
] as const) {
  test(`${strategy} on real llama.cpp`, async () => {
    const trace = new TraceRecorder();
    const solution = await solve(problem, {
      strategy,
      options,
      backends: { policy, large },
      trace,
      seed: 7,
      budget: BUDGET,
    });
    assert.equal(solution.strategy, strategy);
    assert.ok(solution.confidence >= 0 && solution.confidence <= 1);
    const generates = nodes(trace.trace, "generate");
    for (const backend of [policy, large]) {
      const calls = generates.filter((n) => n.name === backend.id).length;
      assert.equal(solution.usage[backend.id]?.calls ?? 0, calls, backend.id);
    }
    const tokens = Object.values(solution.usage).reduce((s, u) => s + u.promptTokens + u.completionTokens, 0);
    assert.ok(tokens > 0 && tokens <= BUDGET.maxTokens);
    assert.ok(generates.length <= BUDGET.maxCalls);
    assertTraceComplete(trace.trace);
    const decisions = nodes(trace.trace, "decision").map((d) => d.name);
    assert.deepEqual(nodes(trace.trace, "strategy")[0].data.details, solution.details);
    switch (strategy) {
      case "program-aided":
        assert.ok(nodes(trace.trace, "tool").length >= 1, "the model's text ran in the sandbox");
        break;
      case "self-refine":
        assert.ok(generates.length >= 2, "an answer and a critique at least");
        break;
      case "beam":
      case "dvts": {
        assert.ok(decisions.includes("expand") && decisions.includes("prune"));
        assert.ok(nodes(trace.trace, "score").length >= 2);
        const continued = generates.filter(
          (n) => (n.data.request as { assistantPrefix?: string }).assistantPrefix,
        );
        assert.ok(continued.length >= 1, "later steps continue a prefilled partial trace");
        break;
      }
      case "cascade": {
        const { escalated } = solution.details as CascadeDetails;
        assert.equal(solution.escalation?.escalated, escalated);
        assert.equal(decisions.includes("escalate"), escalated);
        assert.equal((solution.usage[large.id]?.calls ?? 0) > 0, escalated);
        break;
      }
      case "speculative-thinking":
        assert.equal(
          (solution.details as SpeculativeThinkingDetails).handovers,
          solution.usage[large.id]?.calls ?? 0,
        );
        break;
    }
  });
}

test("speculative thinking hands over to the large model on real llama.cpp", async () => {
  let handovers = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const trace = new TraceRecorder();
    const solution = await solve(problem, {
      strategy: "speculative-thinking",
      options: { maxTokens: 60, largeTokens: 8, ...SOUP_CUES },
      backends: { policy, large },
      trace,
      seed,
    });
    const small = nodes(trace.trace, "generate").filter((n) => n.name === policy.id);
    const written = small.reduce((sum, n) => sum + (n.data.completionTokens as number), 0);
    assert.ok(written <= 60, `the small model wrote ${written} tokens`);
    const count = nodes(trace.trace, "decision").filter((d) => d.name === "handover").length;
    assert.equal(solution.usage[large.id]?.calls ?? 0, count);
    handovers += count;
  }
  assert.ok(handovers >= 1, "some one-letter word handed over in six runs of letter soup");
});

test("cascade over llama.cpp reproduces with the same seed", async () => {
  const run = () =>
    solve(problem, {
      strategy: "cascade",
      options: { ...SHORT, samples: 3 },
      backends: { policy, large },
      seed: 4,
    });
  const [a, b] = [await run(), await run()];
  assert.equal(a.text, b.text);
  assert.deepEqual(Object.keys(a.usage), Object.keys(b.usage));
});
