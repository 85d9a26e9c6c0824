import assert from "node:assert/strict";
import { test } from "node:test";
import { add, eq, parseDecimal, powInt, rat, root, roundTo, toKey } from "../../src/grading/rational.ts";

test("rationals reduce and compare exactly", () => {
  assert.equal(toKey(rat(2n, 4n)), "1/2");
  assert.equal(toKey(rat(3n, -6n)), "-1/2");
  assert.ok(eq(add(parseDecimal("0.1")!, parseDecimal("0.2")!), parseDecimal("0.3")!));
  const big = powInt(rat(2n), 100n)!;
  assert.ok(!eq(big, add(big, rat(1n))));
});

test("decimals, exponents, roots and rounding are exact", () => {
  assert.equal(toKey(parseDecimal("-1.25")!), "-5/4");
  assert.equal(toKey(parseDecimal("1.5e3")!), "1500");
  assert.equal(toKey(parseDecimal(".5")!), "1/2");
  assert.equal(parseDecimal("1.2.3"), null);
  assert.equal(toKey(root(rat(9n, 4n), 2)!), "3/2");
  assert.equal(root(rat(2n), 2), null);
  assert.equal(toKey(root(rat(-27n), 3)!), "-3");
  assert.equal(toKey(roundTo(rat(1n, 3n), 6)), "333333/1000000");
  assert.equal(toKey(roundTo(rat(-2n, 3n), 2)), "-67/100");
  assert.equal(powInt(rat(10n), 100000n), null);
});
