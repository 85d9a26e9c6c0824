import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { answerKey, gradeSync } from "../../src/grading/index.ts";
import { DEFAULT_WORK_UNITS, WorkBudget, WorkLimitError } from "../../src/grading/work-budget.ts";

/** Answers whose exact arithmetic would run long: stopped by the work budget, the same on any machine. */
const heavy: Record<string, string> = {
  "powers with thousands of digits": Array.from({ length: 300 }, (_, i) => `${i + 2}^{${3000 + i}}`).join(
    "+",
  ),
  "nested integrals":
    "\\int_0^1 \\int_0^1 \\int_0^1 \\int_0^1 \\int_0^1 x y z u v \\, dv \\, du \\, dz \\, dy \\, dx",
  factorials: Array.from({ length: 500 }, () => "1000!").join("+"),
  binomials: Array.from({ length: 300 }, () => "\\binom{9999}{4999}").join("+"),
  "a polynomial of high degree": Array.from({ length: 200 }, (_, i) => `x^{${900 + i}}`).join("+"),
};

test("work-heavy answers are a timeout, never correct, and the verdict does not depend on timing", () => {
  for (const [name, text] of Object.entries(heavy)) {
    const verdicts = [0, 1, 2].map(() => gradeSync(`\\boxed{${text}}`, `\\boxed{${text} + 1}`).verdict);
    assert.deepEqual(verdicts, ["timeout", "timeout", "timeout"], name);
    const result = gradeSync(`\\boxed{${text}}`, "5");
    assert.equal(result.verdict, "timeout", name);
    assert.equal(result.correct, false);
    // What was read is still reported.
    assert.equal(result.gold, "5");
    assert.equal(result.predicted, text);
  }
});

test("a work-heavy answer keys by its text (bounded), equal only to the same text", () => {
  for (const text of Object.values(heavy)) {
    const key = answerKey(`\\boxed{${text}}`);
    assert.ok(key !== null && key.length <= 300);
    assert.equal(key, answerKey(`The final answer is $${text}$.`));
    assert.notEqual(key, answerKey("\\boxed{5}"));
  }
});

test("the case tables' answers spend a small part of the budget", () => {
  let most = 0;
  let worst = "";
  const spend = WorkBudget.prototype.spend;
  let spent = 0;
  WorkBudget.prototype.spend = function (units: number) {
    spent += units;
    spend.call(this, units);
  };
  try {
    for (const file of ["./cases.jsonl", "./cases-2.jsonl"]) {
      for (const line of readFileSync(new URL(file, import.meta.url), "utf8")
        .split("\n")
        .filter(Boolean)) {
        const { gold, pred } = JSON.parse(line) as { gold: string; pred: string };
        spent = 0;
        gradeSync(pred, gold);
        if (spent > most) [most, worst] = [spent, `${gold} vs ${pred}`];
      }
    }
  } finally {
    WorkBudget.prototype.spend = spend;
  }
  assert.ok(most < DEFAULT_WORK_UNITS / 4, `${worst} spent ${most} of ${DEFAULT_WORK_UNITS}`);
});

test("a budget throws WorkLimitError once spent", () => {
  const budget = new WorkBudget(10);
  budget.spend(10);
  assert.throws(() => budget.spend(1), WorkLimitError);
});
