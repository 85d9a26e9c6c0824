import assert from "node:assert/strict";
import { test } from "node:test";
import { paretoFlags, strategyFamily } from "../../src/eval/compute-curves.ts";

const point = (flops: number | null, accuracy: number, n = 10) => ({ flops, accuracy, n });

test("Pareto frontier: a point is on it unless another has no more FLOPs and no less accuracy, and beats it in one", () => {
  const flags = paretoFlags([
    point(100, 0.5), // cheapest: on
    point(200, 0.7), // more accuracy for more compute: on
    point(300, 0.6), // dominated by (200, 0.7)
    point(400, 0.7), // same accuracy as (200, 0.7) for more compute: dominated
    point(200, 0.65), // same compute as (200, 0.7), less accuracy: dominated
    point(800, 0.9), // on
  ]);
  assert.deepEqual(flags, [true, true, false, false, false, true]);
});

test("Pareto frontier: equal points are on it together, whichever comes first", () => {
  assert.deepEqual(paretoFlags([point(100, 0.5), point(100, 0.5), point(50, 0.4)]), [true, true, true]);
  assert.deepEqual(paretoFlags([point(50, 0.4), point(100, 0.5), point(100, 0.5)]), [true, true, true]);
  // A tie that is itself dominated leaves together.
  assert.deepEqual(paretoFlags([point(100, 0.5), point(100, 0.5), point(90, 0.6)]), [false, false, true]);
});

test("Pareto frontier: a single point is on it; an empty list has none", () => {
  assert.deepEqual(paretoFlags([point(123, 0.1)]), [true]);
  assert.deepEqual(paretoFlags([]), []);
});

test("Pareto frontier: points with unknown FLOPs or nothing graded are not placed and dominate nothing", () => {
  assert.deepEqual(
    paretoFlags([
      point(null, 1), // unknown FLOPs: would dominate everything if read as 0
      point(10, 0.9, 0), // no graded attempt: its 0.9 means nothing
      point(100, 0.5),
      point(200, 0.4),
    ]),
    [null, null, true, false],
  );
});

test("a strategy's family leaves out only the swept option", () => {
  assert.equal(
    strategyFamily("self-consistency", { samples: 8, temperature: 0.7 }, "samples"),
    'self-consistency{"temperature":0.7}',
  );
  assert.equal(strategyFamily("self-consistency", { samples: 8 }, "samples"), "self-consistency");
  // Another fixed option (the verifier) makes another family; without a sweep every option counts.
  assert.notEqual(
    strategyFamily("weighted-best-of-n", { samples: 4, verifier: "prm" }, "samples"),
    strategyFamily("weighted-best-of-n", { samples: 4, verifier: "reward" }, "samples"),
  );
  assert.equal(strategyFamily("self-consistency", { samples: 8 }), 'self-consistency{"samples":8}');
});
