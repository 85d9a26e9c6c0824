/**
 * Regression tests for the sampling corruption of issue 11: under CPU load, the n samples of one
 * call returned text the model never writes, and the same seed gave different samples.
 *
 * Root cause: with more than one sequence, llama.cpp splits a batch into ubatches of consecutive
 * sequence ids, so when sequences queue their next token out of id order, the batch's outputs come
 * back permuted, and llama.cpp puts them back in order lazily (`output_reorder()`) on the first
 * logits read. node-llama-cpp 3.21.1 runs a batch's n `sampleToken` workers at once on the libuv
 * thread pool, so several threads applied the same swaps concurrently and a sample could draw from
 * another sample's (or a half-swapped) logits row. The samples queued out of order whenever their
 * previous tokens finished sampling in another order — which load makes happen. Even without the
 * race, batches whose members and order followed the moment's timing round the logits differently
 * in the last bits, enough to change a sampled token now and then.
 *
 * The fix (`lockstep.ts`, `sequence-pool.ts`): a call has a context of its own and its samples ask
 * for each token together, in sample order, so every batch is exactly the samples still running, in
 * id order: no permuted outputs, nothing to reorder, and the same batches on every run.
 *
 * The tests simulate a loaded machine deterministically: each sample's steps reach the backend a
 * different number of event-loop turns late, which is the out-of-order queueing load used to cause.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { LlamaContextSequence, type Token } from "node-llama-cpp";
import { createLlamaBackend, type LlamaBackend } from "../../../src/models/llama/index.ts";
import { acquireModel, releaseModel } from "../../../src/models/llama/model-pool.ts";
import { tokenizeRaw } from "../../../src/models/llama/render-prompt.ts";
import { scoreContinuation } from "../../../src/models/llama/score-continuation.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";
import { PROMPT } from "./llama-fixture.ts";

let path: string;
let backend: LlamaBackend;
before(async () => {
  path = await tinyModelPath();
  backend = await createLlamaBackend({ model: path, threads: 1, contextSize: 256 });
});
after(() => backend.close());

/**
 * While installed, every step of the sequence a call creates i-th reaches its sample loop
 * 2 × (i XOR 1) event-loop turns late, so left to themselves the samples would queue in the order
 * 1, 0, 3, 2, 5, 4, …: llama.cpp then splits the batch into ubatches [1, 2], [0], [3, 4], … and its
 * outputs come back permuted on every step. Records the order in which samples ask for their tokens
 * and the tokens each one draws.
 */
function delayedSteps(samples: number) {
  const original = LlamaContextSequence.prototype.evaluateWithMetadata;
  const asks: number[] = [];
  const tokens: Token[][] = Array.from({ length: samples }, () => []);
  const indexOf = new Map<LlamaContextSequence, number>();
  LlamaContextSequence.prototype.evaluateWithMetadata = function (this: LlamaContextSequence, ...args) {
    const inner = (original as (...a: typeof args) => ReturnType<typeof original>).apply(this, args);
    if (!indexOf.has(this)) indexOf.set(this, indexOf.size % samples);
    const index = indexOf.get(this)!;
    const late = async (step: Awaited<ReturnType<typeof inner.next>>) => {
      if (!step.done) tokens[index]!.push(step.value.token);
      for (let turn = 0; turn < 2 * (index ^ 1); turn++) await new Promise((ready) => setImmediate(ready));
      return step;
    };
    return Object.assign(Object.create(inner), {
      next: (...nextArgs: []) => {
        asks.push(index);
        return inner.next(...nextArgs).then(late);
      },
    });
  } as typeof original;
  return { asks, tokens, restore: () => (LlamaContextSequence.prototype.evaluateWithMetadata = original) };
}

test("a call's samples ask for each token in sample order, so slow samples change nothing", async () => {
  const request = { prompt: PROMPT, n: 8, seed: 77, maxTokens: 48, temperature: 1 };
  const undisturbed = await backend.generate(request);
  const delays = delayedSteps(8);
  let disturbed: Awaited<ReturnType<typeof backend.generate>>;
  try {
    disturbed = await backend.generate(request);
  } finally {
    delays.restore();
  }
  // A sample asks once per token, and once more when it ends on an end-of-generation token.
  const steps = Math.max(...disturbed.map((c) => c.usage.completionTokens)) + 1;
  assert.ok(delays.asks.length >= steps, "the delays were not in the path");
  // In sample order, the index falls only where one step ends and the next begins.
  const outOfOrder = delays.asks.filter((index, i) => i > 0 && index < delays.asks[i - 1]!).length;
  assert.ok(outOfOrder <= steps, `${outOfOrder} out-of-order asks over ${steps} steps`);
  assert.deepEqual(
    disturbed.map((c) => c.text),
    undisturbed.map((c) => c.text),
  );
});

test("under the same delays, every token a sample draws has the probability its own context gives it", async () => {
  const samples = 16;
  const request = {
    prompt: PROMPT,
    n: samples,
    seed: 500,
    maxTokens: 96,
    // No truncation: the reported probability is the plain softmax the scorer computes.
    temperature: 1,
    topP: 1,
    topK: 100_000,
    minP: 0,
    logprobs: 0,
  };
  const delays = delayedSteps(samples);
  let completions: Awaited<ReturnType<typeof backend.generate>>;
  try {
    completions = await backend.generate(request);
  } finally {
    delays.restore();
  }
  // Each sample's tokens scored alone, in a context of one sequence. A token drawn from another
  // sample's (or a half-swapped) logits row shows up as a logprob far from the one reported; the
  // batch's own rounding stays orders of magnitude below the tolerance (measured: < 3e-3).
  const model = await acquireModel(path);
  const context = await model.createContext({ sequences: 1, contextSize: 256, threads: 1 });
  try {
    const promptTokens = tokenizeRaw(model, PROMPT) as Token[];
    const mismatches: string[] = [];
    for (const [index, completion] of completions.entries()) {
      const drawn = delays.tokens[index]!;
      const reported = completion.logprobs ?? [];
      assert.equal(reported.length, drawn.length, `sample ${index}: tokens recorded`);
      if (drawn.length === 0) continue;
      const sequence = context.getSequence();
      const scored = await scoreContinuation({ sequence, model, promptTokens, continuationTokens: drawn });
      await sequence.dispose();
      for (const [position, token] of scored.entries()) {
        const gap = Math.abs(token.logprob - reported[position]!.logprob);
        if (!(gap < 0.05)) mismatches.push(`sample ${index} token ${position}: ${gap.toFixed(3)}`);
      }
    }
    assert.deepEqual(mismatches, []);
  } finally {
    await context.dispose();
    await releaseModel(path);
  }
});
