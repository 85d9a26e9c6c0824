import assert from "node:assert/strict";
import { test } from "node:test";
import { keyOfAnswer } from "../../src/grading/answer-key.ts";
import { evaluate } from "../../src/grading/evaluate.ts";
import { parseMath } from "../../src/grading/parse-math.ts";

const valueOfLatex = (latex: string) => {
  const v = evaluate(parseMath(latex), new Map());
  return "q" in v ? `${v.q.n}/${v.q.d}` : v.re;
};

test("sums and products with integer bounds are written out exactly", () => {
  assert.equal(valueOfLatex("\\sum_{k=1}^{10} k"), "55/1");
  assert.equal(valueOfLatex("\\sum_{i=1}^{4} i^2"), "30/1"); // `i` is the index here, not √−1
  assert.equal(valueOfLatex("\\sum_{k=1}^{3}\\frac{1}{k}"), "11/6");
  assert.equal(valueOfLatex("\\prod_{k=1}^{5} k"), "120/1");
  assert.equal(valueOfLatex("\\sum_{k=5}^{4} k"), "0/1"); // empty sum
});

test("sums with symbolic or huge bounds are not math we compare", () => {
  assert.throws(() => parseMath("\\sum_{k=0}^{n-1} F_k"));
  assert.throws(() => parseMath("\\sum_{k=1}^{100000} k"));
});

test("definite integrals evaluate numerically and bind their variable", () => {
  const area = valueOfLatex("\\int_0^1 x^2\\,dx");
  assert.equal(typeof area, "number");
  assert.ok(Math.abs((area as number) - 1 / 3) < 1e-12);
  assert.ok(Math.abs((valueOfLatex("\\int_0^{\\pi} \\sin x \\, dx") as number) - 2) < 1e-12);
  assert.throws(() => parseMath("\\int_0^1 x^2"));
});

test("gcd, lcm and ± inside fractions share keys with their values", () => {
  assert.equal(keyOfAnswer("\\gcd(12, 18)"), keyOfAnswer("6"));
  assert.equal(keyOfAnswer("\\operatorname{lcm}(4, 6)"), keyOfAnswer("12"));
  assert.equal(keyOfAnswer("{5 \\choose 2}"), keyOfAnswer("10"));
  assert.equal(
    keyOfAnswer("\\frac{-1\\pm\\sqrt{13}}{4}"),
    keyOfAnswer("\\frac{-1-\\sqrt{13}}{4}, \\frac{-1+\\sqrt{13}}{4}"),
  );
  assert.notEqual(keyOfAnswer("\\frac{-1\\pm\\sqrt{13}}{4}"), keyOfAnswer("\\frac{-1+\\sqrt{13}}{4}"));
});
