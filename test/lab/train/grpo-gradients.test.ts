import assert from "node:assert/strict";
import { test } from "node:test";
import { KvCacheDecoder } from "../../../src/lab/model/kv-cache-decoder.ts";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { Random } from "../../../src/lab/random.ts";
import { AdamW, clipGradNorm } from "../../../src/lab/train/adamw.ts";
import { grpoGradients } from "../../../src/lab/train/grpo-gradients.ts";

const config = {
  vocabSize: 8,
  dim: 16,
  layers: 1,
  heads: 2,
  ffnDim: 32,
  contextLength: 8,
  ropeTheta: 1e4,
  normEps: 1e-5,
};
const STOP = 2;
const GOOD = 5;

function probabilityOf(model: LlamaModel, prompt: number[], token: number): number {
  const decoder = new KvCacheDecoder(model);
  let logits = decoder.logits;
  for (const t of prompt) logits = decoder.step(t);
  let max = Number.NEGATIVE_INFINITY;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  return Math.exp(logits[token] - max) / sum;
}

test("grpo gradients: applying them to completions that start with a rewarded token makes it more likely", () => {
  const model = new LlamaModel(config, { seed: 2 });
  const optimizer = new AdamW(model.params.length, new Uint8Array(model.params.length), { weightDecay: 0 });
  const prompt = [1, 3];
  const before = probabilityOf(model, prompt, GOOD);
  const random = new Random(4);
  let updates = 0;
  for (let step = 0; step < 15; step++) {
    const result = grpoGradients(
      model,
      [{ prompt, reward: (completion) => (completion[0] === GOOD ? 1 : 0) }],
      { groupSize: 8, maxTokens: 3, stopId: STOP, random },
    );
    // What the training loop does with them.
    if (result.hasGradient) {
      clipGradNorm(model.grads, 1);
      optimizer.update(model.params, model.grads, 1e-2);
      updates++;
    }
    assert.ok(result.meanReward >= 0 && result.meanReward <= 1);
  }
  const after = probabilityOf(model, prompt, GOOD);
  assert.ok(updates > 0);
  // A fresh model gives each of the 8 tokens ~1/8; a few updates should move it well above that.
  assert.ok(before < 0.2, `before ${before}`);
  assert.ok(after > 2 * before, `p(GOOD): ${before} → ${after}`);
});

test("grpo gradients: groups whose rewards are all equal give no gradient and leave the weights untouched", () => {
  const model = new LlamaModel(config, { seed: 2 });
  const saved = model.params.slice();
  const result = grpoGradients(model, [{ prompt: [1, 3], reward: () => 1 }], {
    groupSize: 4,
    maxTokens: 3,
    stopId: STOP,
    random: new Random(1),
  });
  assert.equal(result.hasGradient, false);
  assert.equal(result.meanReward, 1);
  assert.deepEqual(model.params, saved);
});
