import assert from "node:assert/strict";
import { test } from "node:test";
import { keyPoint, randomPoints } from "../../src/grading/sample-points.ts";

test("points are drawn fresh for every comparison", () => {
  const a = randomPoints(["x", "y"], 6);
  const b = randomPoints(["x", "y"], 6);
  const show = (points: Array<Map<string, { n: bigint; d: bigint }>>) =>
    points.map((p) => [...p.values()].map((v) => `${v.n}/${v.d}`).join(",")).join(";");
  assert.notEqual(show(a), show(b));
});

test("points are never integers, and alternate in sign", () => {
  for (let run = 0; run < 200; run++) {
    randomPoints(["x"], 6).forEach((point, trial) => {
      const v = point.get("x")!;
      assert.notEqual(v.d, 1n);
      assert.equal(v.n < 0n, trial % 2 === 1);
    });
  }
});

test("key points are the same within the process for each symbol, and differ between symbols", () => {
  const show = (p: Map<string, { n: bigint; d: bigint }>) =>
    [...p.entries()].map(([k, v]) => `${k}=${v.n}/${v.d}`).join(",");
  assert.equal(show(keyPoint(["x"], 0)), show(keyPoint(["x"], 0)));
  assert.notEqual(show(keyPoint(["x"], 0)), show(keyPoint(["x"], 1)));
  assert.notEqual(
    keyPoint(["x", "y"], 0).get("x")!.n * keyPoint(["x", "y"], 0).get("y")!.d,
    keyPoint(["x", "y"], 0).get("y")!.n * keyPoint(["x", "y"], 0).get("x")!.d,
  );
});
