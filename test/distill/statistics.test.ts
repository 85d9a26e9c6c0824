import assert from "node:assert/strict";
import { test } from "node:test";
import {
  histogram,
  lengthEdges,
  lengthSummary,
  passRateEdges,
  quantile,
} from "../../src/distill/statistics.ts";

test("histogram: lower edges, the last bin closed, values below the first edge in the first bin", () => {
  assert.deepEqual(histogram([0, 0.5, 1], [0, 0.5]), { edges: [0, 0.5], counts: [1, 2] });
  const rates = [0, 0.05, 0.1, 0.25, 0.5, 0.99, 1, 1];
  const h = histogram(rates, passRateEdges);
  assert.deepEqual(h.counts, [2, 1, 1, 0, 0, 1, 0, 0, 0, 3]);
  assert.equal(
    h.counts.reduce((a, b) => a + b, 0),
    rates.length,
  );
  assert.deepEqual(histogram([-3, 2], [0, 1]).counts, [1, 1]);
  assert.deepEqual(histogram([], [0, 1]).counts, [0, 0]);
});

test("histogram rejects edges that do not increase, naming them", () => {
  assert.throws(() => histogram([1], []), /at least one edge/);
  assert.throws(() => histogram([1], [0, 2, 2]), /must increase: 2 then 2 at index 2/);
});

test("length summary: power-of-two bins up to the longest trace, nearest-rank median and p90", () => {
  assert.deepEqual(lengthEdges(100), [0, 16, 32, 64]);
  assert.deepEqual(lengthEdges(10), [0]);
  const tokens = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  const summary = lengthSummary(tokens);
  assert.deepEqual(summary.edges, [0, 16, 32, 64]);
  assert.deepEqual(summary.counts, [1, 2, 3, 4]);
  assert.equal(summary.mean, 55);
  assert.equal(summary.median, 50);
  assert.equal(summary.p90, 90);
  assert.equal(summary.max, 100);
  assert.deepEqual(lengthSummary([]), { edges: [0], counts: [0], mean: 0, median: 0, p90: 0, max: 0 });
  assert.equal(quantile([1, 2, 3], 1), 3);
  assert.equal(quantile([1, 2, 3], 0), 1);
});
