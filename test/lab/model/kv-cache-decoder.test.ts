import assert from "node:assert/strict";
import { test } from "node:test";
import { KvCacheDecoder, sample } from "../../../src/lab/model/kv-cache-decoder.ts";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { Random } from "../../../src/lab/random.ts";

const config = {
  vocabSize: 13,
  dim: 16,
  layers: 2,
  heads: 2,
  ffnDim: 24,
  contextLength: 12,
  ropeTheta: 10_000,
  normEps: 1e-5,
};

function model(): LlamaModel {
  const m = new LlamaModel(config, { seed: 11 });
  const random = new Random(12);
  for (let i = 0; i < m.params.length; i++) m.params[i] += random.normal() * 0.3;
  return m;
}

test("kv-cache decoder: step-by-step logits equal the full forward pass at every position", () => {
  const m = model();
  const tokens = [1, 5, 9, 2, 12, 7, 7, 3];
  const T = tokens.length;
  m.forward(new Int32Array(tokens), new Int32Array(T).fill(-1), 1, T);
  const full = m.logits.slice();
  const decoder = new KvCacheDecoder(m);
  tokens.forEach((token, t) => {
    const logits = decoder.step(token);
    for (let i = 0; i < config.vocabSize; i++) {
      assert.ok(Math.abs(logits[i] - full[t * config.vocabSize + i]) < 1e-4, `position ${t}, token ${i}`);
    }
  });
  assert.equal(decoder.length, T);
  assert.throws(() => {
    for (let i = 0; i < config.contextLength; i++) decoder.step(1);
  }, /KV cache full/);
});

test("kv-cache decoder: greedy generation follows argmax, stops at the stop token or the budget", () => {
  const m = model();
  const decoder = new KvCacheDecoder(m);
  const out = decoder.generate([1, 4], { maxTokens: 5 });
  assert.equal(out.length, 5);
  // Re-running the same prefix reproduces each greedy choice.
  const replay = new KvCacheDecoder(m);
  let logits = replay.step(1);
  logits = replay.step(4);
  for (const token of out) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    assert.equal(token, best);
    logits = replay.step(token);
  }
  const stopped = decoder.generate([1, 4], { maxTokens: 5, stopId: out[1] });
  assert.deepEqual(stopped, out.slice(0, out.indexOf(out[1]) + 1));
});

test("sampling: frequencies follow softmax(logits / temperature) and the seed reproduces draws", () => {
  const logits = new Float32Array([0, Math.log(3), -50]);
  const random = new Random(5);
  const counts = [0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[sample(logits, 1, random)]++;
  assert.equal(counts[2], 0);
  assert.ok(Math.abs(counts[1] / 4000 - 0.75) < 0.03, `p(1) = ${counts[1] / 4000}`);
  const a = new Random(9);
  const b = new Random(9);
  assert.deepEqual(
    Array.from({ length: 20 }, () => sample(logits, 2, a)),
    Array.from({ length: 20 }, () => sample(logits, 2, b)),
  );
});
