/**
 * Every strategy of this part end to end on real llama.cpp with a tiny random-weight GGUF: the
 * answers are noise, but sampling, seeds, logprobs, streaming aborts, scoring, budgets and traces all
 * run through node-llama-cpp for real.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createLlamaBackend, type LlamaBackend } from "../../src/models/llama/index.ts";
import { solve } from "../../src/strategies/index.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { tinyModelPath } from "../helpers/tiny-model.ts";
import { assertTraceComplete, nodes, problem } from "./fixtures.ts";

let policy: LlamaBackend;
before(async () => {
  // Char vocabulary: prompts of a few hundred characters are a few hundred tokens.
  policy = await createLlamaBackend({ model: await tinyModelPath(), threads: 1, contextSize: 1024 });
});
after(() => policy.close());

const SHORT = { maxTokens: 24 };

for (const [strategy, options] of [
  ["cot", { ...SHORT, thinkingBudget: 12, answerTokens: 6 }],
  ["self-consistency", { ...SHORT, samples: 4 }],
  ["self-consistency", { ...SHORT, samples: 6, stopping: { rule: "esc", window: 2 } }],
  ["confidence-vote", { ...SHORT, samples: 4, keep: 0.5 }],
  ["confidence-vote", { ...SHORT, samples: 6, online: true, warmup: 3, groupSize: 4 }],
  ["best-of-n", { ...SHORT, samples: 3, verifier: "self-judge" }],
  ["weighted-best-of-n", { ...SHORT, samples: 3, verifier: "reward" }],
] as const) {
  test(`${strategy} ${JSON.stringify(options)} on real llama.cpp`, async () => {
    const trace = new TraceRecorder();
    const solution = await solve(problem, {
      strategy,
      options,
      backends: { policy },
      trace,
      seed: 7,
      budget: { maxCalls: 30, maxTokens: 20_000 },
    });
    assert.equal(solution.strategy, strategy);
    assert.ok(solution.confidence >= 0 && solution.confidence <= 1);
    assert.equal(typeof solution.text, "string");
    const usage = solution.usage[policy.id];
    const generates = nodes(trace.trace, "generate");
    assert.equal(usage.calls, generates.length);
    assert.ok(usage.promptTokens > 0 && usage.completionTokens > 0);
    assert.ok(usage.promptTokens + usage.completionTokens <= 20_000);
    for (const node of generates) assert.equal(node.name, policy.id);
    if (strategy.includes("best-of-n")) assert.equal(nodes(trace.trace, "score").length, 3);
    assertTraceComplete(trace.trace);
  });
}

test("the same seed reproduces a self-consistency run on llama.cpp", async () => {
  const run = () =>
    solve(problem, {
      strategy: "self-consistency",
      options: { ...SHORT, samples: 3 },
      backends: { policy },
      seed: 3,
    });
  const [a, b] = [await run(), await run()];
  assert.equal(a.text, b.text);
  assert.equal(a.key, b.key);
});

test("a tight token budget holds on llama.cpp with real token counts", async () => {
  const solution = await solve(problem, {
    strategy: "self-consistency",
    options: { samples: 8, maxTokens: 64 },
    backends: { policy },
    budget: { maxTokens: 600 },
  });
  const usage = solution.usage[policy.id];
  assert.ok(usage.promptTokens + usage.completionTokens <= 600, JSON.stringify(usage));
});
