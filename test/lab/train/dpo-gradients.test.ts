import assert from "node:assert/strict";
import { test } from "node:test";
import type { LlamaConfig } from "../../../src/lab/model/config.ts";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { Random } from "../../../src/lab/random.ts";
import type { DpoPair } from "../../../src/lab/tasks/dpo-file-data.ts";
import { AdamW, clipGradNorm } from "../../../src/lab/train/adamw.ts";
import { dpoBatch, responseLogprobs } from "../../../src/lab/train/dpo-gradients.ts";
import { DpoReference } from "../../../src/lab/train/dpo-reference.ts";
import { checkGradient } from "../gradient-check.ts";

const config: LlamaConfig = {
  vocabSize: 11,
  dim: 8,
  layers: 2,
  heads: 2,
  ffnDim: 12,
  contextLength: 8,
  ropeTheta: 10_000,
  normEps: 1e-5,
};

// Responses of different lengths (so the batch pads), sharing a prompt within a pair.
const pairs: DpoPair[] = [
  { prompt: [1, 4], chosen: [7, 5, 2], rejected: [9, 2], line: 1 },
  { prompt: [1, 3, 6], chosen: [10, 2], rejected: [8, 8, 3, 2], line: 2 },
];

/** A model whose weights are well away from the 0.02 init, so every path carries signal above float32 noise. */
function perturbed(seed: number): LlamaModel {
  const model = new LlamaModel(config, { seed });
  const random = new Random(seed + 100);
  for (let i = 0; i < model.params.length; i++) model.params[i] += random.normal() * 0.3;
  return model;
}

test("dpo gradients: every tensor's gradient of the batch's DPO loss matches central differences", () => {
  const policy = perturbed(7);
  // A reference that differs from the policy, so the margins (and σ(−β·h)) are not at their symmetric point.
  const reference = new DpoReference(perturbed(8));
  const references = pairs.map((p) => reference.of(p));
  const beta = 0.8;
  const loss = () => dpoBatch(policy, pairs, references, { beta, gradient: false }).loss;
  policy.zeroGrad();
  const result = dpoBatch(policy, pairs, references, { beta, gradient: true });
  assert.ok(Math.abs(result.margin) > 0.05, `margin ${result.margin}`);
  const grads = policy.grads.slice();
  for (const spec of policy.layout) {
    const step = Math.max(1, Math.floor(spec.size / 12));
    const indices: number[] = [];
    for (let i = 0; i < spec.size; i += step) indices.push(spec.offset + i);
    if (spec.name === "token_embd.weight") {
      // Rows of tokens the batch uses (an unused token's row has no gradient): 8 and 5.
      indices.length = 0;
      for (const token of [8, 5])
        for (let i = 0; i < config.dim; i++) indices.push(spec.offset + token * config.dim + i);
    }
    // Float32 forward, float64 sums: the loss carries ~1e-6 of rounding, so ε = 1e-2 keeps the
    // difference quotient's noise near 1e-4 while the O(ε²) curvature error stays below the tolerance.
    checkGradient(spec.name, loss, policy.params, grads, { eps: 1e-2, atol: 2e-3, rtol: 3e-2, indices });
  }
});

test("dpo gradients: Δ = 0 at the start gives loss ln 2 on any batch, and no gradient is written without `gradient`", () => {
  const policy = perturbed(3);
  const reference = new DpoReference(perturbed(3));
  const references = pairs.map((p) => reference.of(p));
  policy.zeroGrad();
  const r = dpoBatch(policy, pairs, references, { beta: 0.5, gradient: false });
  // Same weights: policy and reference agree up to float32 rounding of differently padded batches.
  assert.ok(Math.abs(r.loss - Math.LN2) < 1e-5, `loss ${r.loss}`);
  assert.ok(Math.abs(r.margin) < 1e-5);
  assert.ok(policy.grads.every((g) => g === 0));
  // Response log-probs are sums over response tokens only: a longer response of the same model is less likely.
  const [short, long] = responseLogprobs(policy, [
    { prompt: [1, 4], response: [7] },
    { prompt: [1, 4], response: [7, 5] },
  ]);
  assert.ok(long < short && short < 0);
});

test("dpo steps on a toy preference raise the margin, and the frozen reference's log-probs never move", () => {
  const toy = {
    vocabSize: 8,
    dim: 16,
    layers: 1,
    heads: 2,
    ffnDim: 32,
    contextLength: 8,
    ropeTheta: 1e4,
    normEps: 1e-5,
  };
  const policy = new LlamaModel(toy, { seed: 2 });
  const frozen = new LlamaModel(toy, { seed: 2 });
  const reference = new DpoReference(frozen);
  const saved = frozen.params.slice();
  // Prefer answering 5 over 6 after the prompt, in two contexts.
  const toyPairs: DpoPair[] = [
    { prompt: [1, 3], chosen: [5, 2], rejected: [6, 2], line: 1 },
    { prompt: [1, 4, 3], chosen: [5, 2], rejected: [6, 2], line: 2 },
  ];
  const before = toyPairs.map((p) => reference.of(p));
  const optimizer = new AdamW(policy.params.length, new Uint8Array(policy.params.length), { weightDecay: 0 });
  const margins: number[] = [];
  for (let step = 0; step < 15; step++) {
    policy.zeroGrad();
    const r = dpoBatch(
      policy,
      toyPairs,
      toyPairs.map((p) => reference.of(p)),
      { beta: 0.5, gradient: true },
    );
    margins.push(r.margin);
    clipGradNorm(policy.grads, 1);
    optimizer.update(policy.params, policy.grads, 1e-2);
  }
  const after = dpoBatch(
    policy,
    toyPairs,
    toyPairs.map((p) => reference.of(p)),
    { beta: 0.5, gradient: false },
  );
  assert.ok(Math.abs(margins[0]) < 1e-5, `first margin ${margins[0]}`);
  assert.ok(after.margin > 0.5, `margin ${margins[0]} → ${after.margin}`);
  assert.equal(after.preference, 1);
  assert.ok(after.chosenShift > after.rejectedShift);
  assert.ok(after.loss < Math.LN2 - 0.2, `loss ${after.loss}`);
  // The reference: same weights, and recomputing from scratch gives exactly the cached numbers.
  assert.deepEqual(frozen.params, saved);
  assert.equal(reference.computed, 2);
  const recomputed = new DpoReference(frozen);
  assert.deepEqual(
    toyPairs.map((p) => recomputed.of(p)),
    before,
  );
  // While the policy's own log-probs of the same responses did move.
  assert.ok(Math.abs(after.policy[0].chosen - before[0].chosen) > 0.1);
});
