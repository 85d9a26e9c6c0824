import assert from "node:assert/strict";
import { test } from "node:test";
import { addLogprobGradient, dpoPairLoss, tokenLogprob } from "../../../src/lab/train/dpo-objective.ts";

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

test("dpo loss: hand-computed cases — Δ = 0 gives ln 2 and ∓β/2, a margin of 2 gives softplus(−2)", () => {
  // The policy still equals the reference: h = 0, σ(0) = 1/2.
  const even = dpoPairLoss(
    { policyChosen: -7, policyRejected: -9, referenceChosen: -7, referenceRejected: -9, chosenTokens: 3 },
    { beta: 0.5 },
  );
  close(even.loss, Math.LN2);
  close(even.margin, 0);
  close(even.dChosen, -0.25);
  close(even.dRejected, 0.25);
  // Chosen up 1 nat, rejected down 1 nat: h = 2; β = 1 → loss = ln(1 + e⁻²), ∂/∂log π(c) = −σ(−2).
  const apart = dpoPairLoss(
    { policyChosen: -1, policyRejected: -3, referenceChosen: -2, referenceRejected: -2, chosenTokens: 3 },
    { beta: 1 },
  );
  close(apart.margin, 2);
  close(apart.loss, 0.12692801104297252);
  close(apart.dChosen, -0.11920292202211755);
  close(apart.dRejected, 0.11920292202211755);
  // The wrong way round, β = 0.1, h = −5: margin −0.5, loss ln(1 + e^0.5), gradient −0.1·σ(0.5).
  const wrong = dpoPairLoss(
    { policyChosen: -4, policyRejected: -1, referenceChosen: -2, referenceRejected: -4, chosenTokens: 3 },
    { beta: 0.1 },
  );
  close(wrong.margin, -0.5);
  close(wrong.loss, 0.9740769841801067);
  close(wrong.dChosen, -0.1 * 0.6224593312018546);
});

test("dpo loss: huge margins stay finite (no exp overflow) and saturate as they should", () => {
  const won = dpoPairLoss(
    { policyChosen: 0, policyRejected: -8000, referenceChosen: 0, referenceRejected: 0, chosenTokens: 3 },
    { beta: 0.1 },
  );
  close(won.margin, 800, 1e-9);
  assert.equal(won.loss, 0);
  assert.ok(Math.abs(won.dChosen) < 1e-300);
  const lost = dpoPairLoss(
    { policyChosen: -8000, policyRejected: 0, referenceChosen: 0, referenceRejected: 0, chosenTokens: 3 },
    { beta: 0.1 },
  );
  close(lost.loss, 800, 1e-9);
  close(lost.dChosen, -0.1);
  close(lost.dRejected, 0.1);
});

test("dpo + NLL loss: hand-computed cases — α·(−log π(c))/|c| is added, and −α/|c| joins ∂/∂log π(c) only", () => {
  // h = 0 (policy = reference), β = 1, α = 1, log π(c) = −8 over |c| = 4 tokens: NLL 2 nats/token,
  // loss = ln 2 + 2, ∂/∂log π(c) = −σ(0) − 1/4 = −0.75, ∂/∂log π(r) = +0.5 (untouched).
  const even = dpoPairLoss(
    { policyChosen: -8, policyRejected: -5, referenceChosen: -8, referenceRejected: -5, chosenTokens: 4 },
    { beta: 1, nllWeight: 1 },
  );
  close(even.margin, 0);
  close(even.chosenNll, 2);
  close(even.loss, Math.LN2 + 2);
  close(even.dChosen, -0.75);
  close(even.dRejected, 0.5);
  // The margin-2 case above with α = 0.5 and |c| = 5: NLL 1/5, loss + 0.1, ∂/∂log π(c) − 0.1.
  const apart = dpoPairLoss(
    { policyChosen: -1, policyRejected: -3, referenceChosen: -2, referenceRejected: -2, chosenTokens: 5 },
    { beta: 1, nllWeight: 0.5 },
  );
  close(apart.margin, 2);
  close(apart.chosenNll, 0.2);
  close(apart.loss, 0.12692801104297252 + 0.1);
  close(apart.dChosen, -0.11920292202211755 - 0.1);
  close(apart.dRejected, 0.11920292202211755);
  // Carried to one chosen position's logits [0, ln 3] (softmax [1/4, 3/4], token 1) in a batch of one
  // pair: ∂loss/∂logits = dChosen·(onehot − softmax) = −0.75·([0, 1] − [1/4, 3/4]) = [0.1875, −0.1875],
  // of which the NLL's share is α/|c|·(softmax − onehot) = 0.25·[0.25, −0.25].
  const dRow = new Float32Array(2);
  addLogprobGradient(new Float32Array([0, Math.log(3)]), 1, even.dChosen, dRow);
  close(dRow[0], 0.1875, 1e-7);
  close(dRow[1], -0.1875, 1e-7);
});

test("dpo loss: α = 0 (the default) gives bit for bit the numbers pure DPO gave before the NLL term", () => {
  // Recorded from the implementation before `nllWeight` existed; exact, not within a tolerance.
  const cases = [
    {
      input: { policyChosen: -1, policyRejected: -3, referenceChosen: -2, referenceRejected: -2 },
      beta: 1,
      old: {
        loss: 0.1269280110429725,
        margin: 2,
        dChosen: -0.11920292202211755,
        dRejected: 0.11920292202211755,
      },
    },
    {
      input: { policyChosen: -4, policyRejected: -1, referenceChosen: -2, referenceRejected: -4 },
      beta: 0.1,
      old: {
        loss: 0.9740769841801067,
        margin: -0.5,
        dChosen: -0.06224593312018546,
        dRejected: 0.06224593312018546,
      },
    },
  ];
  for (const { input, beta, old } of cases) {
    for (const objective of [{ beta }, { beta, nllWeight: 0 }]) {
      for (const chosenTokens of [1, 7]) {
        const { chosenNll, ...dpo } = dpoPairLoss({ ...input, chosenTokens }, objective);
        assert.deepEqual(dpo, old);
        assert.equal(chosenNll, -input.policyChosen / chosenTokens);
      }
    }
  }
});

test("dpo loss: the gradient w.r.t. the policy's sequence log-probs matches central differences, with and without the NLL term", () => {
  const base = {
    policyChosen: -12.3,
    policyRejected: -10.1,
    referenceChosen: -11.7,
    referenceRejected: -10.9,
    chosenTokens: 7,
  };
  for (const beta of [0.05, 0.5, 2]) {
    for (const nllWeight of [0, 1, 3.5]) {
      const objective = { beta, nllWeight };
      const analytic = dpoPairLoss(base, objective);
      const eps = 1e-5;
      for (const [key, expected] of [
        ["policyChosen", analytic.dChosen],
        ["policyRejected", analytic.dRejected],
      ] as const) {
        const up = dpoPairLoss({ ...base, [key]: base[key] + eps }, objective).loss;
        const down = dpoPairLoss({ ...base, [key]: base[key] - eps }, objective).loss;
        // float64 throughout: the central difference's error is O(eps²) plus ~1e-16/eps rounding.
        close((up - down) / (2 * eps), expected, 1e-9);
      }
    }
  }
});

test("token log-prob and its logits gradient: log softmax and coefficient·(onehot − softmax), accumulated", () => {
  // softmax([0, ln 3]) = [1/4, 3/4].
  const row = new Float32Array([0, Math.log(3)]);
  close(tokenLogprob(row, 1), Math.log(0.75), 1e-7);
  close(tokenLogprob(row, 0), Math.log(0.25), 1e-7);
  const dRow = new Float32Array([1, 1]);
  addLogprobGradient(row, 1, 2, dRow);
  // Added onto what was there: 1 + 2·(0 − 1/4), 1 + 2·(1 − 3/4).
  close(dRow[0], 0.5, 1e-6);
  close(dRow[1], 1.5, 1e-6);
  // Against central differences on a wider row.
  const logits = new Float32Array([0.3, -1.2, 0.8, 0.1, 2.2]);
  const grad = new Float32Array(5);
  addLogprobGradient(logits, 3, -0.7, grad);
  for (let i = 0; i < logits.length; i++) {
    const up = logits.slice();
    const down = logits.slice();
    up[i] += 1e-2;
    down[i] -= 1e-2;
    const numeric = (-0.7 * (tokenLogprob(up, 3) - tokenLogprob(down, 3))) / 2e-2;
    close(grad[i], numeric, 1e-4);
  }
});
