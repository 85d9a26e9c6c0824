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
// Verdicts spelled as in prm-format: yes = [7, 4, 9], no = [8, 3]; each row holds "yes" after every
// step, a decision there; rows of different lengths pad.
const verdicts = { yes: [7, 4, 9], no: [8, 3] };
const rows: PrmRow[] = [
  {
    tokens: [1, 5, 6, 7, 4, 9, 10, 6, 7, 4, 9],
    decisions: [
      { at: 3, target: 0.875, value: 0.875 },
      { at: 8, target: 0.25, value: 0.25 },
    ],
    label: 0,
  },
  { tokens: [1, 6, 10, 5, 7, 4, 9], decisions: [{ at: 4, target: 0, value: 0 }], label: 0 },
];

function perturbed(seed: number): LlamaModel {
  const model = new LlamaModel(config, { seed });
  const random = new Random(seed + 100);
  for (let i = 0; i < model.params.length; i++) model.params[i] += random.normal() * 0.3;
  return model;
}

test("prm batch: the loss is the mean over verdict tokens of the soft decision loss at every step and the tail's cross-entropy", () => {
  const model = perturbed(5);
  const result = prmBatch(model, rows, verdicts, { gradient: false });
  assert.equal(result.decisions, 3);
  assert.equal(result.tokens, 9);
  // The same numbers from one row at a time through the plain forward pass.
  let total = 0;
  let decision = 0;
  let kl = 0;
  for (const row of rows) {
    const T = row.tokens.length;
    model.forward(new Int32Array(row.tokens), new Int32Array(T).fill(-1), 1, T);
    const at = (p: number) => model.logits.subarray(p * config.vocabSize, (p + 1) * config.vocabSize);
    for (const d of row.decisions) {
      const first = softVerdictLoss(at(d.at - 1), 7, 8, d.target);
      total += first;
      decision += first;
      kl += first - binaryEntropy(d.target);
      for (let j = 1; j < verdicts.yes.length; j++) {
        const logits = at(d.at - 1 + j);
        const max = Math.max(...logits);
        const logSum = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
        total += logSum - logits[verdicts.yes[j]];
      }
    }
  }
  assert.ok(Math.abs(result.loss - total / 9) < 1e-5, `${result.loss} vs ${total / 9}`);
  assert.ok(Math.abs(result.decisionLoss - decision / 3) < 1e-5);
  assert.ok(Math.abs(result.decisionKl - kl / 3) < 1e-5);
  assert.ok(result.decisionKl > 0);
});

test("prm batch: every tensor's gradient matches central differences", () => {
  const model = perturbed(7);
  const loss = () => prmBatch(model, rows, verdicts, { gradient: false }).loss;
  model.zeroGrad();
  prmBatch(model, rows, verdicts, { gradient: true });
  const grads = model.grads.slice();
  for (const spec of model.layout) {
    const step = Math.max(1, Math.floor(spec.size / 12));
    const indices: number[] = [];
    for (let i = 0; i < spec.size; i += step) indices.push(spec.offset + i);
    if (spec.name === "token_embd.weight") {
      // Rows of tokens the batch feeds (an unfed token's row has no gradient): 5 and 7.
      indices.length = 0;
      for (const token of [5, 7])
        for (let i = 0; i < config.dim; i++) indices.push(spec.offset + token * config.dim + i);
    }
    checkGradient(spec.name, loss, model.params, grads, { indices, eps: 1e-2, atol: 2e-4, rtol: 3e-2 });
  }
});
