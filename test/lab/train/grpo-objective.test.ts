import assert from "node:assert/strict";
import { test } from "node:test";
import { groupAdvantages, surrogateGradient } from "../../../src/lab/train/grpo-objective.ts";
import { reward } from "../../../src/lab/train/grpo-reward.ts";

test("grpo advantages: group-normalised, zero when every reward is the same", () => {
  const a = groupAdvantages([1, 0, 0, 1]);
  // mean 0.5, population std 0.5.
  for (const [i, value] of a.entries()) assert.ok(Math.abs(value - [1, -1, -1, 1][i]) < 1e-5);
  const b = groupAdvantages([1, 0, 0, 0]);
  // mean 0.25, std √(0.1875) ≈ 0.4330.
  assert.ok(Math.abs(b[0] - 0.75 / Math.sqrt(0.1875)) < 1e-5);
  assert.ok(Math.abs(b[1] + 0.25 / Math.sqrt(0.1875)) < 1e-5);
  assert.deepEqual(groupAdvantages([1, 1, 1]), [0, 0, 0]);
  assert.deepEqual(groupAdvantages([0, 0]), [0, 0]);
});

/** Logits whose softmax gives token 0 probability p (two tokens). */
function logitsFor(p: number): Float32Array {
  return new Float32Array([Math.log(p), Math.log(1 - p)]);
}

test("grpo surrogate: hand-computed ratios, clipping and gradients", () => {
  const dRow = new Float32Array(2);
  const base = { token: 0, epsilon: 0.2, scale: 1 };
  // π = 0.6, π_old = 0.4 → ρ = 1.5. A = +1: min(1.5, 1.2) = 1.2, clipped, no gradient.
  let r = surrogateGradient(
    { ...base, logits: logitsFor(0.6), advantage: 1, oldLogprob: Math.log(0.4) },
    dRow,
  );
  assert.ok(Math.abs(r.ratio - 1.5) < 1e-6 && r.clipped && Math.abs(r.objective - 1.2) < 1e-6);
  assert.deepEqual([...dRow], [0, 0]);
  // A = −1: min(−1.5, −1.2) = −1.5, unclipped; dLoss/dlogit_0 = ρ·A·(p − 1) = 1.5·(−1)·(−0.4) = 0.6.
  r = surrogateGradient({ ...base, logits: logitsFor(0.6), advantage: -1, oldLogprob: Math.log(0.4) }, dRow);
  assert.ok(!r.clipped && Math.abs(r.objective + 1.5) < 1e-6);
  assert.ok(Math.abs(dRow[0] - 0.6) < 1e-6 && Math.abs(dRow[1] + 0.6) < 1e-6, `${dRow}`);
  // π = 0.2, π_old = 0.4 → ρ = 0.5. A = +1: min(0.5, 0.8) = 0.5 unclipped; A = −1: min(−0.5, −0.8) clipped.
  r = surrogateGradient({ ...base, logits: logitsFor(0.2), advantage: 1, oldLogprob: Math.log(0.4) }, dRow);
  assert.ok(!r.clipped && Math.abs(r.objective - 0.5) < 1e-6);
  // dLoss/dlogit_0 = ρ·A·(p − 1) = 0.5·(−0.8) = −0.4: descending raises the token's logit.
  assert.ok(Math.abs(dRow[0] + 0.4) < 1e-6);
  r = surrogateGradient({ ...base, logits: logitsFor(0.2), advantage: -1, oldLogprob: Math.log(0.4) }, dRow);
  assert.ok(r.clipped && Math.abs(r.objective + 0.8) < 1e-6);
  assert.deepEqual([...dRow], [0, 0]);
});

test("grpo surrogate: the gradient matches finite differences of −scale·objective inside the clip band", () => {
  const logits = new Float32Array([0.3, -1.2, 0.8, 0.1]);
  const token = 2;
  const dRow = new Float32Array(4);
  const args = { token, advantage: -0.7, epsilon: 0.2, scale: 0.25 };
  // π_old slightly different from π so ρ ≈ 1.05, inside the band.
  const logSum = Math.log(logits.reduce((a, x) => a + Math.exp(x), 0));
  const oldLogprob = logits[token] - logSum - Math.log(1.05);
  surrogateGradient({ ...args, logits, oldLogprob }, dRow);
  const loss = (l: Float32Array) =>
    -args.scale * surrogateGradient({ ...args, logits: l, oldLogprob }, new Float32Array(4)).objective;
  for (let i = 0; i < 4; i++) {
    const up = logits.slice();
    const down = logits.slice();
    up[i] += 1e-3;
    down[i] -= 1e-3;
    const numeric = (loss(up) - loss(down)) / 2e-3;
    assert.ok(Math.abs(numeric - dRow[i]) < 1e-4, `logit ${i}: ${numeric} vs ${dRow[i]}`);
  }
});

test("grpo reward: 1 only for a correct #### answer; countdown checks the arithmetic", () => {
  const item = { id: "x", question: "q", answer: "14", difficulty: 1, solutions: ["7*2=14\n#### 14"] };
  assert.equal(reward(item, "7*2=14\n#### 14"), 1);
  assert.equal(reward(item, "7*2=15\n#### 15"), 0);
  assert.equal(reward(item, "7*2=14"), 0);
  const countdown = { ...item, answer: "4+1", meta: { numbers: [1, 4], target: 5 } };
  assert.equal(reward(countdown, "#### 1+4"), 1);
  assert.equal(reward(countdown, "#### 4+4"), 0);
});
