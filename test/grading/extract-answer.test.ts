import assert from "node:assert/strict";
import { test } from "node:test";
import { extractAnswer } from "../../src/grading/index.ts";

const table: Array<[string, string | null, Parameters<typeof extractAnswer>[1]?]> = [
  ["so the area is \\boxed{\\frac{1}{2}}.", "\\frac{1}{2}"],
  ["nested \\boxed{\\frac{\\sqrt{3}}{2}} done", "\\frac{\\sqrt{3}}{2}"],
  ["\\fbox{7}", "7"],
  ["\\boxed 5 is it", "5"],
  ["first \\boxed{2}. Later, after checking: \\boxed{3}", "3"],
  ["\\boxed{1}, \\boxed{2} and \\boxed{3}", "1, 2, 3"],
  ["truncated \\boxed{\\frac{1}{", null],
  ["The final answer is $28 \\%$. I hope it is correct.", "28 \\%"],
  ["Final Answer: The final answer is 12. I hope it is correct.", "12"],
  ["blah blah\n#### 1,234", "1,234"],
  ["The answer is: $x = 3$.", "x = 3"],
  ["So the answer is 42 apples.", "42 apples"],
  ["Final Answer: The largest $n$ is 34.", "34"],
  ["the roots are $21, 16$ or $11$", "21, 16, 11"],
  ["It is $\\boxed{28}$ percent.", "28\\%"],
  ["\\frac{1}{2}", "\\frac{1}{2}"],
  ["$x^2 + 1$", "x^2 + 1"],
  ["Evelyn", "Evelyn"],
  ["We add 3 and 4 to get 7 apples in all", "7"],
  ["<think>It might be 5.</think>The answer is 6.", "6"],
  ["<think>It might be 5 but", null],
  ["no digits here at all, sorry", null],
  ["AZYUK2A", "AZYUK2A"], // a bare word is an answer; grading then finds it is not a number
  ["The answer is (B).", "B", { kind: "choice" }],
  ["$\\boxed{\\text{(C)}}$", "C", { kind: "choice" }],
  ["I pick Rome.\nAnswer: Rome", "C", { kind: "choice", choices: ["London", "Paris", "Rome"] }],
  ["A. because the rest are wrong", "A", { kind: "choice" }],
  ["I am not sure", null, { kind: "choice" }],
  ["the count is 12", null, { kind: "math", lastNumberFallback: false }],
  // A negated value is ruled out; a hedge names every value.
  ["The answer is not 5.", null],
  ["The answer isn't 5.", null],
  ["The answer is not 5 but 6.", "6"],
  ["After checking, 5 is not the answer.", null],
  ["The answer is either 5 or 6.", "5, 6"],
  ["The answer is 5 and the remainder is 3.", "5"],
  // Math spans: an escaped dollar stays inside, unclosed openers are skipped, inline math keeps to a line.
  ["Answer $ \\frac{1}{2} \\$ = \\frac{10}{9} $", "\\frac{1}{2} \\$ = \\frac{10}{9}"],
  ["\\[ 1 \\[ 2 \\( 3 and then $4$", "4"],
  ["so $$ 7 $$ and later $$ 8", "8"],
  ["Answer $ \n 9 \n $", null],
];

for (const [text, expected, options] of table) {
  test(`extracts ${JSON.stringify(expected)} from ${JSON.stringify(text)}`, () => {
    assert.equal(extractAnswer(text, options), expected);
  });
}
