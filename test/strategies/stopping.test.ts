import assert from "node:assert/strict";
import { test } from "node:test";
import {
  betaTailAboveHalf,
  dirichletLeaderProbability,
  shouldStop,
  stoppingSchema,
} from "../../src/strategies/stopping.ts";

test("Beta tail above 1/2 matches closed forms", () => {
  // Beta(a, 1): P(X > 1/2) = 1 - 2^-a.
  assert.ok(Math.abs(betaTailAboveHalf(4, 1) - (1 - 1 / 16)) < 1e-12);
  assert.ok(Math.abs(betaTailAboveHalf(5, 1) - (1 - 1 / 32)) < 1e-12);
  // Symmetric: exactly one half.
  assert.ok(Math.abs(betaTailAboveHalf(3, 3) - 0.5) < 1e-12);
  // Large counts stay finite and near 1.
  const big = betaTailAboveHalf(400, 300);
  assert.ok(big > 0.999 && big <= 1);
});

test("beta rule: 3 agreeing answers are not enough at 0.95, 4 are", () => {
  assert.equal(shouldStop({ rule: "beta" }, ["4", "4", "4"]).stop, false); // 1 - 2^-4 = 0.9375
  const four = shouldStop({ rule: "beta" }, ["4", "4", "4", "4"]);
  assert.equal(four.stop, true); // Beta(5, 1): 0.96875
  assert.equal(four.leader, "4");
});

test("beta rule never stops on a tie or while the leader is barely ahead", () => {
  assert.equal(shouldStop({ rule: "beta" }, ["1", "2", "1", "2", "1", "2"]).stop, false);
  assert.equal(shouldStop({ rule: "beta" }, ["1", "1", "1", "2", "2", "3"]).stop, false);
  assert.equal(shouldStop({ rule: "beta", minSamples: 8 }, ["1", "1", "1", "1", "1"]).stop, false);
});

test("abstentions never make a leader", () => {
  const decision = shouldStop({ rule: "beta" }, [null, null, null, null, null]);
  assert.equal(decision.stop, false);
  assert.equal(decision.leader, null);
});

test("ESC stops only when the whole latest window agrees", () => {
  assert.equal(shouldStop({ rule: "esc", window: 3 }, ["1", "2", "2", "2"]).stop, true);
  assert.equal(shouldStop({ rule: "esc", window: 3 }, ["2", "2", "1", "2"]).stop, false);
  assert.equal(shouldStop({ rule: "esc", window: 3 }, ["2", "2"]).stop, false);
  assert.equal(shouldStop({ rule: "esc", window: 2 }, [null, null]).stop, false);
});

test("Dirichlet leader probability is deterministic and ordered by evidence", () => {
  const strong = dirichletLeaderProbability([8, 1, 1], 1);
  const weak = dirichletLeaderProbability([3, 2, 2], 1);
  assert.equal(strong, dirichletLeaderProbability([8, 1, 1], 1));
  assert.ok(strong > 0.95, `strong ${strong}`);
  assert.ok(weak < 0.7, `weak ${weak}`);
  assert.equal(
    shouldStop({ rule: "dirichlet" }, ["a", "a", "a", "a", "a", "a", "a", "a", "b", "c"]).stop,
    true,
  );
});

test("the option schema accepts names and objects and rejects bad thresholds", () => {
  assert.deepEqual(stoppingSchema.parse("esc"), { rule: "esc" });
  assert.deepEqual(stoppingSchema.parse({ rule: "beta", threshold: 0.9 }), { rule: "beta", threshold: 0.9 });
  assert.equal(stoppingSchema.safeParse({ rule: "beta", threshold: 1.5 }).success, false);
  assert.equal(stoppingSchema.safeParse("sometimes").success, false);
});
