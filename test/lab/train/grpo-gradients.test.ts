import assert from "node:assert/strict";
import { test } from "node:test";
import { KvCacheDecoder } from "../../../src/lab/model/kv-cache-decoder.ts";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { Random } from "../../../src/lab/random.ts";
import { AdamW } from "../../../src/lab/train/adamw.ts";
import { grpoStep } from "../../../src/lab/train/grpo-step.ts";

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

test("grpo step: rewarding completions that start with a token makes that token more likely", () => {
  const model = new LlamaModel(config, { seed: 2 });
  const optimizer = new AdamW(model.params.length, new Uint8Array(model.params.length), { weightDecay: 0 });
  const prompt = [1, 3];
  const before = probabilityOf(model, prompt, GOOD);
  const random = new Random(4);
  let updates = 0;
  for (let step = 0; step < 15; step++) {
    const result = grpoStep(
      model,
      optimizer,
      [{ prompt, reward: (completion) => (completion[0] === GOOD ? 1 : 0) }],
      { groupSize: 8, lr: 1e-2, maxTokens: 3, stopId: STOP, random },
    );
    if (result.updated) updates++;
    assert.ok(result.meanReward >= 0 && result.meanReward <= 1);
  }
  const after = probabilityOf(model, prompt, GOOD);
  assert.ok(updates > 0);
  // A fresh model gives each of the 8 tokens ~1/8; a few updates should move it well above that.
  assert.ok(before < 0.2, `before ${before}`);
  assert.ok(after > 2 * before, `p(GOOD): ${before} → ${after}`);
});

test("grpo step: groups whose rewards are all equal leave the weights untouched", () => {
  const model = new LlamaModel(config, { seed: 2 });
  const optimizer = new AdamW(model.params.length, new Uint8Array(model.params.length));
  const saved = model.params.slice();
  const result = grpoStep(model, optimizer, [{ prompt: [1, 3], reward: () => 1 }], {
    groupSize: 4,
    lr: 1e-2,
    maxTokens: 3,
    stopId: STOP,
    random: new Random(1),
  });
  assert.equal(result.updated, false);
  assert.equal(result.meanReward, 1);
  assert.deepEqual(model.params, saved);
});
