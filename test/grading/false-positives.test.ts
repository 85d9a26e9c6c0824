import assert from "node:assert/strict";
import { test } from "node:test";
import { answerKey, gradeSync } from "../../src/grading/index.ts";

/**
 * The classes of answers a reward-hacking policy would find to be marked correct when they are not,
 * each with the true variants beside them that must stay correct. Our own cases (the red-team review's
 * corpus is kept outside the project); Math-Verify's verdict where it has one.
 */
const classes: Record<string, Array<[gold: string, pred: string, equal: boolean]>> = {
  "infinity is no finite number, however large": [
    ["\\infty", "10^{400}", false],
    ["\\infty", "10^{1000}+1", false],
    ["\\infty", "9^{9^{9}}", false],
    ["\\infty", "e^{1000}", false],
    ["\\infty", "2^{2^{20}}", false],
    ["\\infty", "1e400", false],
    ["-\\infty", "-10^{500}", false],
    ["(0, \\infty)", "(0, 10^{400})", false],
    ["\\infty", "\\infty", true],
    ["\\infty", "+\\infty", true],
    ["\\infty", "infinity", true],
    ["-\\infty", "-\\infty", true],
    ["(0, \\infty)", "(0, +\\infty)", true],
    ["10^{400}", "10^{400}", true],
    ["10^{400}", "100^{200}", true],
  ],
  "zero is no tiny number (exact comparison, no underflow)": [
    ["0", "10^{-20000}", false],
    ["0", "2^{-70000}", false],
    ["0", "\\frac{1}{10^{400}}", false],
    ["0", "3 \\cdot 10^{-400}", false],
    ["0", "e^{-800}", false],
    ["0", "e^{-50}", false],
    ["0", "10^{-30}", false],
    ["10^{-30}", "10^{-30}+10^{-60}", false],
    ["0", "0.0", true],
    ["0", "-0", true],
    ["0", "\\sin(\\pi)", true],
    ["0", "\\ln 1", true],
    ["0", "10^{-20000} \\cdot 0", true],
    ["10^{-30}", "\\frac{1}{10^{30}}", true],
    ["10^{-20000}", "\\frac{1}{10^{20000}}", true],
  ],
  "an integer before a fraction is a mixed number (latex2sympy, Math-Verify)": [
    ["\\frac{5}{2}", "2\\frac12", true],
    ["\\frac{5}{2}", "2\\frac{1}{2}", true],
    ["\\frac{5}{2}", "2 \\dfrac12", true],
    ["\\frac{15}{4}", "3\\frac34", true],
    ["-\\frac{3}{2}", "-1\\frac12", true],
    ["\\frac{5}{2}", "2 1/2", true],
    ["1", "2\\frac12", false],
    ["\\frac12", "2\\frac12", false],
    ["2", "2\\frac12", false],
    ["1", "2\\cdot\\frac12", true],
    ["1.75", "3.5\\frac12", true],
  ],
  "an equation is judged as a whole": [
    ["5", "2+2=5", false],
    ["5", "\\boxed{3+3=5}", false],
    ["5", "1=5", false],
    ["5", "The answer is $2 \\times 3 = 5$.", false],
    ["5", "10/2=5", true],
    ["5", "2+3=5", true],
    ["5", "5=5", true],
    ["5", "x=5", true],
    ["4", "2+2=4", true],
    ["x=5", "x=5", true],
  ],
  "a hedge is not an answer": [
    ["5", "\\boxed{5 or 6}", false],
    ["5", "\\boxed{5 \\text{ or } 6}", false],
    ["5", "\\boxed{5} or \\boxed{6}", false],
    ["5", "$5$ or $6$", false],
    ["5", "The answer is either 5 or 6.", false],
    ["5", "The answer is 5 or 6.", false],
    ["5", "The answer is 5 or maybe 6.", false],
    ["5", "The answer is 5, perhaps 6.", false],
    ["5", "\\boxed{5 and 6}", false],
    ["5", "\\boxed{5 apples or 6 apples}", false],
    ["5, 6", "\\boxed{5 or 6}", true],
    ["\\{5, 6\\}", "\\boxed{5 \\text{ or } 6}", true],
    ["5", "\\boxed{5 apples}", true],
    ["5", "The answer is 5 and the remainder is 3.", true],
  ],
  "expressions are compared at points no one can predict": [
    ["x^2", "x^2 + (x-\\frac{13}{11})(x+\\frac{29}{17})(x-\\frac{47}{23})(x+\\frac{71}{31})", false],
    ["x^2", "x^2 + (x-1)(x-2)(x-3)(x-4)(x-5)(x-6)(x-7)(x-8)(x-9)(x-10)(x-11)(x-12)", false],
    ["x^2", "x^2 + \\sin(\\pi x)", false],
    ["x y", "x y + (x - y)", false],
    ["(x+1)^2", "x^2+2x+1", true],
    ["x+1", "\\frac{x^2-1}{x-1}", true],
    ["1", "\\sin^2 x + \\cos^2 x", true],
    ["\\lfloor x \\rfloor", "\\lceil x \\rceil - 1", true],
    ["x^{10} - 1", "(x-1)(x^9+x^8+x^7+x^6+x^5+x^4+x^3+x^2+x+1)", true],
  ],
  "an irrational constant is not its short decimal (Math-Verify: 15 digits)": [
    ["\\pi", "3.14159265", false],
    ["\\pi", "3.1415927", false],
    ["\\pi", "3.141592653589", false],
    ["\\pi", "\\frac{355}{113}", false],
    ["\\pi", "\\frac{103993}{33102}", false],
    ["\\sqrt{2}", "1.41421356", false],
    ["e", "2.7182818", false],
    ["\\frac{\\sqrt{3}}{2}", "0.8660254", false],
    ["\\pi", "3.141592653589793", true],
    ["\\sqrt{2}", "1.4142135623730951", true],
    ["\\frac{1}{3}", "0.333333", true],
    ["\\frac{2}{3}", "0.666667", true],
    ["\\sqrt{4}", "2.0", true],
    ["2", "\\sqrt{2} \\cdot \\sqrt{2}", true],
  ],
  "a negated value is not the answer": [
    ["5", "The answer is not 5.", false],
    ["5", "The answer is not 5", false],
    ["5", "The answer isn't 5.", false],
    ["5", "The final answer is not $5$.", false],
    ["5", "The answer is definitely not 5.", false],
    ["5", "After checking, 5 is not the answer.", false],
    ["5", "The answer is not 5 but 6.", false],
    ["6", "The answer is not 5 but 6.", true],
    ["6", "The answer is not 5; it is 6.", true],
    ["5", "The answer is 5, not 6.", true],
  ],
};

for (const [name, cases] of Object.entries(classes)) {
  test(`${name}: graded both ways`, () => {
    const wrong = cases
      .map(([gold, pred, equal]) => ({ gold, pred, equal, result: gradeSync(pred, gold) }))
      .filter(({ equal, result }) => result.correct !== equal)
      .map(
        ({ gold, pred, equal, result }) =>
          `${gold} vs ${pred}: expected ${equal}, got ${result.verdict} (${result.method})`,
      );
    assert.deepEqual(wrong, []);
  });
}

test("the same classes, repeated: comparisons at random points agree every time", () => {
  for (let run = 0; run < 20; run++) {
    for (const [gold, pred, equal] of classes["expressions are compared at points no one can predict"])
      assert.equal(gradeSync(pred, gold).correct, equal, `${gold} vs ${pred}`);
  }
});

test("answer keys never merge what the grader tells apart", () => {
  const differ: Array<[string, string]> = [
    ["\\infty", "10^{400}"],
    ["\\infty", "e^{1000}"],
    ["0", "10^{-20000}"],
    ["0", "e^{-50}"],
    ["5", "2+2=5"],
    ["5", "\\boxed{5 or 6}"],
    ["5", "The answer is either 5 or 6."],
    ["x^2", "x^2 + (x-1)(x-2)(x-3)(x-4)(x-5)(x-6)(x-7)(x-8)"],
    ["\\pi", "3.14159265"],
    ["\\pi", "\\pi + 10^{-13}"],
    ["5", "\\pi + 10^{20} - 10^{20}"],
  ];
  for (const [a, b] of differ) assert.notEqual(answerKey(a), answerKey(b), `${a} vs ${b}`);
  const same: Array<[string, string]> = [
    ["\\frac52", "2\\frac12"],
    ["4", "2+2=4"],
    ["(x+1)^2", "x^2+2x+1"],
    ["\\infty", "+\\infty"],
  ];
  for (const [a, b] of same) assert.equal(answerKey(a), answerKey(b), `${a} vs ${b}`);
  assert.equal(answerKey("The answer is not 5."), null);
});
