import assert from "node:assert/strict";
import { test } from "node:test";
import { vote } from "../../src/strategies/voting.ts";

test("majority vote counts keys, abstentions do not vote", () => {
  const result = vote([{ key: "4" }, { key: "5" }, { key: "4" }, { key: null }]);
  assert.equal(result.winner, "4");
  assert.deepEqual(result.counts, { "4": 2, "5": 1 });
  assert.equal(result.abstained, 1);
  assert.equal(result.share, 2 / 3);
  assert.equal(result.tie, false);
});

test("weighted vote sums weights per key: many middling beat one high", () => {
  const result = vote([
    { key: "a", weight: 0.9 },
    { key: "b", weight: 0.5 },
    { key: "b", weight: 0.5 },
  ]);
  assert.equal(result.winner, "b");
  assert.ok(Math.abs(result.share - 1 / 1.9) < 1e-12);
});

test("ties are broken by summed confidence, then by first appearance", () => {
  const byConfidence = vote([
    { key: "a", confidence: 0.1 },
    { key: "b", confidence: 0.9 },
  ]);
  assert.equal(byConfidence.winner, "b");
  assert.equal(byConfidence.tie, true);
  assert.equal(vote([{ key: "x" }, { key: "y" }]).winner, "x");
  assert.equal(vote([{ key: "y" }, { key: "x" }]).winner, "y");
});

test("the winner's representative is its most confident ballot", () => {
  const result = vote([{ key: "a", confidence: 0.2 }, { key: "b" }, { key: "a", confidence: 0.7 }]);
  assert.equal(result.winnerIndex, 2);
});

test("all abstaining gives no winner", () => {
  const result = vote([{ key: null }, { key: null }]);
  assert.equal(result.winner, null);
  assert.equal(result.winnerIndex, -1);
  assert.equal(result.share, 0);
});
