import assert from "node:assert/strict";
import { test } from "node:test";
import type { LlamaConfig } from "../../../src/lab/model/config.ts";
import { parameterCount } from "../../../src/lab/model/config.ts";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { Random } from "../../../src/lab/random.ts";
import { checkGradient } from "../gradient-check.ts";

const config: LlamaConfig = {
  vocabSize: 11,
  dim: 8,
  layers: 2,
  heads: 2,
  ffnDim: 12,
  contextLength: 5,
  ropeTheta: 10_000,
  normEps: 1e-5,
};

test("model: every tensor's gradient matches finite differences on a masked batch", () => {
  const model = new LlamaModel(config, { seed: 7 });
  // Larger weights than the 0.02 init so every path carries signal above float32 noise.
  const random = new Random(9);
  for (let i = 0; i < model.params.length; i++) model.params[i] += random.normal() * 0.3;
  const B = 2;
  const T = 5;
  const tokens = new Int32Array([1, 4, 7, 2, 9, 1, 3, 3, 10, 0]);
  const targets = new Int32Array([-1, 7, 2, 9, -1, -1, 3, 10, 0, 5]);
  const loss = () => model.forward(tokens, targets, B, T).loss;
  model.zeroGrad();
  loss();
  model.backward();
  const grads = model.grads.slice();
  assert.equal(model.params.length, parameterCount(config));
  for (const spec of model.layout) {
    // Up to 12 entries per tensor, spread over it; token_embd rows of unused tokens have zero gradient.
    const step = Math.max(1, Math.floor(spec.size / 12));
    const indices = [];
    for (let i = 0; i < spec.size; i += step) indices.push(spec.offset + i);
    if (spec.name === "token_embd.weight") {
      indices.length = 0;
      for (let i = 0; i < config.dim; i++) indices.push(spec.offset + 7 * config.dim + i);
    }
    checkGradient(spec.name, loss, model.params, grads, { eps: 1e-2, atol: 2e-3, rtol: 3e-2, indices });
  }
});

test("model: the same seed gives the same weights and the same loss", () => {
  const a = new LlamaModel(config, { seed: 3 });
  const b = new LlamaModel(config, { seed: 3 });
  const c = new LlamaModel(config, { seed: 4 });
  assert.deepEqual(a.params, b.params);
  assert.notDeepEqual(a.params, c.params);
  const tokens = new Int32Array([1, 2, 3, 4, 5]);
  const targets = new Int32Array([2, 3, 4, 5, 6]);
  const lossA = a.forward(tokens, targets, 1, 5).loss;
  assert.equal(lossA, b.forward(tokens, targets, 1, 5).loss);
  // A fresh model is close to uniform: loss ≈ ln(vocab).
  assert.ok(Math.abs(lossA - Math.log(config.vocabSize)) < 0.1, `loss ${lossA}`);
});
