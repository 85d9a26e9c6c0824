import assert from "node:assert/strict";
import { test } from "node:test";
import { requireIntegers } from "../../src/util/require-integers.ts";

test("requireIntegers: whole numbers at or above their floor pass; the first that is not is named", () => {
  requireIntegers([
    ["a", 1, 1],
    ["b", 0, 0],
  ]);
  for (const [value, shown] of [
    [0, "0"],
    [1.5, "1.5"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
  ] as const) {
    assert.throws(
      () =>
        requireIntegers([
          ["ok", 3, 1],
          ["limit", value, 1],
          ["later", -1, 1],
        ]),
      (error: Error & { code?: string; param?: string }) => {
        assert.equal(error.code, "BAD_REQUEST");
        assert.equal(error.param, "limit");
        assert.equal(error.message, `\`limit\` must be an integer >= 1, got ${shown}`);
        return true;
      },
    );
  }
});
