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

test("dpo gradients: every tensor's gradient of the batch's loss matches central differences, pure DPO and with the chosen NLL term", () => {
  const policy = perturbed(7);
  // A reference that differs from the policy, so the margins (and σ(−β·h)) are not at their symmetric point.
  const reference = new DpoReference(perturbed(8));
  const references = pairs.map((p) => reference.of(p));
  const beta = 0.8;
  // α = 1.5 on chosen responses of 3 and 2 tokens: the NLL's −α/|c| (−0.5, −0.75) weighs as much as
  // DPO's β·σ(−β·h) < 0.8, so the check covers both terms together.
  for (const nllWeight of [0, 1.5]) {
    const objective = { beta, nllWeight };
    const loss = () => dpoBatch(policy, pairs, references, { ...objective, gradient: false }).loss;
    policy.zeroGrad();
    const result = dpoBatch(policy, pairs, references, { ...objective, gradient: true });
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
      // Float32 forward, float64 sums: the loss carries ~1e-6 of rounding, so ε = 3e-3 keeps the
      // difference quotient's noise near 3e-4, while the O(ε²) curvature error (larger with the NLL
      // term: at ε = 1e-2 some entries miss by 1.5× the tolerance, shrinking 4× per halving of ε,
      // converging on the analytic value) stays well below the tolerance.
      checkGradient(`${spec.name} (α ${nllWeight})`, loss, policy.params, grads, {
        eps: 3e-3,
        atol: 2e-3,
        rtol: 3e-2,
        indices,
      });
    }
  }
});

test("dpo gradients: the NLL term adds α × the chosen responses' mean per-token NLL to the loss; α = 0 is pure DPO exactly", () => {
  const policy = perturbed(7);
  const reference = new DpoReference(perturbed(8));
  const references = pairs.map((p) => reference.of(p));
  const run = (objective: { beta: number; nllWeight?: number }) => {
    policy.zeroGrad();
    const result = dpoBatch(policy, pairs, references, { ...objective, gradient: true });
    return { result, grads: policy.grads.slice() };
  };
  const pure = run({ beta: 0.8 });
  const zero = run({ beta: 0.8, nllWeight: 0 });
  assert.deepEqual(zero.result, pure.result);
  assert.deepEqual(zero.grads, pure.grads);
  // chosenNll is the mean over pairs of −log π(c)/|c|, from the policy's own summed log-probs.
  const expectedNll = (-pure.result.policy[0].chosen / 3 + -pure.result.policy[1].chosen / 2) / 2;
  assert.ok(Math.abs(pure.result.chosenNll - expectedNll) < 1e-12);
  const rpo = run({ beta: 0.8, nllWeight: 1.5 });
  assert.ok(Math.abs(rpo.result.loss - (pure.result.loss + 1.5 * pure.result.chosenNll)) < 1e-12);
  assert.equal(rpo.result.margin, pure.result.margin);
  // The NLL term moves the gradient (its correctness is the central-difference test above).
  assert.ok(rpo.grads.some((g, i) => Math.abs(g - pure.grads[i]) > 1e-3));
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

test("dpo steps with the NLL term (α = 1) leave the chosen responses more likely than pure DPO's same steps, still preferring them", () => {
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
  const toyPairs: DpoPair[] = [
    { prompt: [1, 3], chosen: [5, 2], rejected: [6, 2], line: 1 },
    { prompt: [1, 4, 3], chosen: [5, 4, 2], rejected: [6, 2], line: 2 },
  ];
  const train = (nllWeight: number) => {
    const policy = new LlamaModel(toy, { seed: 2 });
    const reference = new DpoReference(new LlamaModel(toy, { seed: 2 }));
    const references = toyPairs.map((p) => reference.of(p));
    const optimizer = new AdamW(policy.params.length, new Uint8Array(policy.params.length), {
      weightDecay: 0,
    });
    for (let step = 0; step < 15; step++) {
      policy.zeroGrad();
      dpoBatch(policy, toyPairs, references, { beta: 0.5, nllWeight, gradient: true });
      clipGradNorm(policy.grads, 1);
      optimizer.update(policy.params, policy.grads, 1e-2);
    }
    return dpoBatch(policy, toyPairs, references, { beta: 0.5, nllWeight, gradient: false });
  };
  const pure = train(0);
  const rpo = train(1);
  assert.ok(
    rpo.chosenShift > pure.chosenShift + 0.3,
    `chosen shift ${pure.chosenShift} (α 0) vs ${rpo.chosenShift} (α 1)`,
  );
  assert.ok(rpo.chosenNll < pure.chosenNll);
  assert.equal(rpo.preference, 1);
});
