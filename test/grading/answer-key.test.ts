import assert from "node:assert/strict";
import { test } from "node:test";
import { answerKey } from "../../src/grading/index.ts";

const same: string[][] = [
  ["1/2", "\\frac12", "0.5", "\\boxed{\\dfrac{1}{2}}", "The answer is 0.50.", "50\\%"],
  ["1000", "1,000", "#### 1000", "10^3", "1000.0"],
  ["x^2-1", "(x-1)(x+1)", "\\boxed{(x+1)(x-1)}"],
  ["x = 3", "3", "The final answer is $3$. I hope it is correct."],
  ["\\{1, 2\\}", "2, 1", "\\boxed{1} and \\boxed{2}"],
  ["2\\sqrt{2}", "\\sqrt{8}"],
  ["\\text{Evelyn}", "Evelyn"],
];
const different: string[][] = [
  ["1/2", "1/3", "0.51", "2"],
  ["(1,2)", "(2,1)", "[1,2]", "\\{1,2\\}"],
  ["x+1", "x-1", "y+1"],
  ["2^{100}", "2^{100}+1"],
  ["[0,1)", "(0,1]"],
];

test("equivalent answers share one key", () => {
  for (const group of same) {
    const keys = group.map((answer) => answerKey(answer));
    assert.ok(keys[0] !== null, `no key for ${group[0]}`);
    for (let i = 1; i < group.length; i++) assert.equal(keys[i], keys[0], `${group[i]} vs ${group[0]}`);
  }
});

test("different answers get different keys", () => {
  for (const group of different) {
    const keys = group.map((answer) => answerKey(answer));
    assert.equal(new Set(keys).size, group.length, JSON.stringify(keys));
  }
});

test("no answer gives a null key, and choice keys are letters", () => {
  assert.equal(answerKey("<think>still going"), null);
  assert.equal(answerKey("The answer is (b)", { kind: "choice" }), "B");
  assert.equal(answerKey("\\boxed{B}", { kind: "choice" }), "B");
});

test("percent keys follow percentAsFraction", () => {
  assert.equal(answerKey("50\\%"), answerKey("0.5"));
  assert.equal(answerKey("50\\%", { percentAsFraction: false }), answerKey("50"));
});
