import assert from "node:assert/strict";
import { test } from "node:test";
import type { LlamaConfig } from "../../../src/lab/model/config.ts";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { Random } from "../../../src/lab/random.ts";
import type { PrmRow } from "../../../src/lab/train/prm-format.ts";
import { prmBatch } from "../../../src/lab/train/prm-gradients.ts";
import {
  addSoftVerdictGradient,
  binaryEntropy,
  softVerdictLoss,
} from "../../../src/lab/train/prm-objective.ts";
import { checkGradient, randomArray } from "../gradient-check.ts";

test("soft verdict loss: the hand-computed case (v = 0.75, p(yes) = 0.5, p(no) = 0.25)", () => {
  // Token 0 = yes, 1 = no, 2 = anything else.
  const row = new Float32Array([Math.log(0.5), Math.log(0.25), Math.log(0.25)]);
  const loss = softVerdictLoss(row, 0, 1, 0.75);
  assert.ok(Math.abs(loss - (-0.75 * Math.log(0.5) - 0.25 * Math.log(0.25))) < 1e-6);
  assert.ok(Math.abs(loss - 0.866434) < 1e-5, `loss ${loss}`);
  assert.ok(Math.abs(binaryEntropy(0.75) - 0.562335) < 1e-5);
  // ∂loss/∂logits = softmax − target = [0.5 − 0.75, 0.25 − 0.25, 0.25 − 0].
  const d = new Float32Array(3);
  addSoftVerdictGradient(row, 0, 1, 0.75, 1, d);
  for (const [i, expected] of [-0.25, 0, 0.25].entries())
    assert.ok(Math.abs(d[i] - expected) < 1e-6, `d[${i}] ${d[i]}`);
  // At the target itself the gradient vanishes and the loss is the entropy floor.
  const atTarget = new Float32Array([Math.log(0.75), Math.log(0.25), -30]);
  assert.ok(Math.abs(softVerdictLoss(atTarget, 0, 1, 0.75) - binaryEntropy(0.75)) < 1e-6);
  const zero = new Float32Array(3);
  addSoftVerdictGradient(atTarget, 0, 1, 0.75, 1, zero);
  for (const g of zero) assert.ok(Math.abs(g) < 1e-6);
});

test("soft verdict loss: targets 0 and 1 are ordinary cross-entropy, even on an impossible other verdict", () => {
  const row = new Float32Array([2, -1e30, 0.5, 1]);
  const logSum = Math.log(Math.exp(2) + Math.exp(0.5) + Math.exp(1));
  assert.ok(Math.abs(softVerdictLoss(row, 0, 1, 1) - (logSum - 2)) < 1e-6);
  // Target 0 on the yes-token: only the (impossible, so enormous) no-verdict term remains.
  assert.ok(softVerdictLoss(row, 0, 1, 0) > 1e29);
  assert.equal(binaryEntropy(0), 0);
  assert.equal(binaryEntropy(1), 0);
});

test("soft verdict loss: the gradient matches central differences for soft and hard targets", () => {
  const random = new Random(3);
  for (const value of [0, 0.3, 0.625, 1]) {
    const row = randomArray(7, random, 1.5);
    const analytic = new Float32Array(7);
    // A coefficient ≠ 1, as the batch's 1/tokens is.
    addSoftVerdictGradient(row, 2, 5, value, 0.5, analytic);
    checkGradient(`v=${value}`, () => 0.5 * softVerdictLoss(row, 2, 5, value), row, analytic, {
      eps: 1e-3,
      atol: 1e-4,
      rtol: 1e-2,
    });
  }
});

const config: LlamaConfig = {
  vocabSize: 11,
  dim: 8,
  layers: 2,
  heads: 2,
  ffnDim: 12,
  contextLength: 12,
  ropeTheta: 10_000,
  normEps: 1e-5,
};
// Verdicts spelled as in prm-format: yes = [7, 4, 9], no = [8, 3]; rows of different lengths pad.
const rows: PrmRow[] = [
  { prompt: [1, 5, 6, 2], verdict: [7, 4, 9], value: 0.875 },
  { prompt: [1, 6, 10, 5, 5, 6], verdict: [8, 3], value: 0.25 },
  { prompt: [1, 10], verdict: [8, 3], value: 0 },
];

function perturbed(seed: number): LlamaModel {
  const model = new LlamaModel(config, { seed });
  const random = new Random(seed + 100);
  for (let i = 0; i < model.params.length; i++) model.params[i] += random.normal() * 0.3;
  return model;
}

test("prm batch: the loss is the mean over verdict tokens of the soft decision loss and the tail's cross-entropy", () => {
  const model = perturbed(5);
  const result = prmBatch(model, rows, 7, 8, { gradient: false });
  assert.equal(result.tokens, 7);
  // The same numbers from one row at a time through the plain forward pass.
  let total = 0;
  let decision = 0;
  let kl = 0;
  for (const row of rows) {
    const tokens = [...row.prompt, ...row.verdict];
    const T = tokens.length;
    model.forward(new Int32Array(tokens), new Int32Array(T).fill(-1), 1, T);
    const at = (p: number) => model.logits.subarray(p * config.vocabSize, (p + 1) * config.vocabSize);
    const first = softVerdictLoss(at(row.prompt.length - 1), 7, 8, row.value);
    total += first;
    decision += first;
    kl += first - binaryEntropy(row.value);
    for (let j = 1; j < row.verdict.length; j++) {
      const logits = at(row.prompt.length - 1 + j);
      const max = Math.max(...logits);
      const logSum = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
      total += logSum - logits[row.verdict[j]];
    }
  }
  assert.ok(Math.abs(result.loss - total / 7) < 1e-5, `${result.loss} vs ${total / 7}`);
  assert.ok(Math.abs(result.decisionLoss - decision / 3) < 1e-5);
  assert.ok(Math.abs(result.decisionKl - kl / 3) < 1e-5);
  assert.ok(result.decisionKl > 0);
});

test("prm batch: every tensor's gradient matches central differences", () => {
  const model = perturbed(7);
  const loss = () => prmBatch(model, rows, 7, 8, { gradient: false }).loss;
  model.zeroGrad();
  prmBatch(model, rows, 7, 8, { gradient: true });
  const grads = model.grads.slice();
  for (const spec of model.layout) {
    const step = Math.max(1, Math.floor(spec.size / 12));
    const indices: number[] = [];
    for (let i = 0; i < spec.size; i += step) indices.push(spec.offset + i);
    if (spec.name === "token_embd.weight") {
      // Rows of tokens the batch feeds (an unfed token's row has no gradient): 5 and 8.
      indices.length = 0;
      for (const token of [5, 8])
        for (let i = 0; i < config.dim; i++) indices.push(spec.offset + token * config.dim + i);
    }
    checkGradient(spec.name, loss, model.params, grads, { indices, eps: 1e-2, atol: 2e-4, rtol: 3e-2 });
  }
});
