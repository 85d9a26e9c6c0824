import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregateSteps, STEP_AGGREGATIONS } from "../../../src/verifiers/step-scorers/aggregate.ts";
import { splitSteps } from "../../../src/verifiers/step-scorers/split-steps.ts";

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} should be ${expected}`);

test("each aggregation on hand-computed step scores", () => {
  const table: Array<[number[], Record<(typeof STEP_AGGREGATIONS)[number], number>]> = [
    [[0.9, 0.5, 0.8], { last: 0.8, min: 0.5, product: 0.36, mean: 2.2 / 3 }],
    [[0.2, 1, 1, 0.6], { last: 0.6, min: 0.2, product: 0.12, mean: 0.7 }],
    [[0.7], { last: 0.7, min: 0.7, product: 0.7, mean: 0.7 }],
    [[1, 0, 1], { last: 1, min: 0, product: 0, mean: 2 / 3 }],
  ];
  for (const [scores, expected] of table) {
    for (const how of STEP_AGGREGATIONS) close(aggregateSteps(scores, how), expected[how]);
  }
});

test("the aggregations rank a solution with one bad step differently", () => {
  const steady = [0.7, 0.7, 0.7];
  const slip = [0.95, 0.3, 0.95];
  // `last` and `mean` prefer the slip; `min` and `product` punish its bad step.
  assert.ok(aggregateSteps(slip, "last") > aggregateSteps(steady, "last"));
  assert.ok(aggregateSteps(slip, "mean") > aggregateSteps(steady, "mean"));
  assert.ok(aggregateSteps(slip, "min") < aggregateSteps(steady, "min"));
  assert.ok(aggregateSteps(slip, "product") < aggregateSteps(steady, "product"));
});

test("no steps is an error naming the aggregation, not a neutral 1 or +Infinity", () => {
  for (const how of STEP_AGGREGATIONS) {
    assert.throws(
      () => aggregateSteps([], how),
      (e: { code?: string; message: string; param?: string }) =>
        e.code === "BAD_REQUEST" && e.message.includes(`\`${how}\``) && e.param === "aggregation",
    );
  }
});

test("steps are the text cut at the break, trimmed, blank pieces dropped", () => {
  assert.deepEqual(splitSteps("4+7=11\n11+3=14\n#### 14\n", "\n"), ["4+7=11", "11+3=14", "#### 14"]);
  assert.deepEqual(splitSteps("First step.\n\n\n\nSecond step.\n\n", "\n\n"), [
    "First step.",
    "Second step.",
  ]);
  assert.deepEqual(splitSteps("  one line  ", "\n\n"), ["one line"]);
  assert.deepEqual(splitSteps(" \n\n \n\n", "\n\n"), []);
});
