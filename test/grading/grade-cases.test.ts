import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gradeSync } from "../../src/grading/index.ts";
import type { GradeOptions } from "../../src/grading/types.ts";

/**
 * The equivalence facts (which answers are the same, which are not), one per line of cases.jsonl,
 * grouped by kind: integers, decimals, fractions, percent, radicals, symbolic, equations, sets,
 * tuples, intervals, matrices, complex numbers, units, extraction, choices, near misses, datasets.
 */
interface Case extends GradeOptions {
  group: string;
  gold: string;
  pred: string;
  expected: boolean;
}

const cases: Case[] = readFileSync(new URL("./cases.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line.trim().length > 0)
  .map((line) => JSON.parse(line) as Case);

test("the case table is large and balanced between equal and not equal", () => {
  assert.ok(cases.length >= 400, `only ${cases.length} cases`);
  const negatives = cases.filter((c) => !c.expected).length;
  assert.ok(negatives / cases.length > 0.4, `only ${negatives} negative cases`);
});

const groups = [...new Set(cases.map((c) => c.group))];
for (const group of groups) {
  test(`grading agrees with the facts: ${group}`, () => {
    const failures: string[] = [];
    for (const { group: _, gold, pred, expected, ...options } of cases.filter((c) => c.group === group)) {
      const result = gradeSync(pred, gold, options);
      if (result.correct !== expected) {
        failures.push(
          `${JSON.stringify(gold)} vs ${JSON.stringify(pred)}: expected ${expected}, got ${result.verdict} (${result.method}: ${result.reason})`,
        );
      }
    }
    assert.deepEqual(failures, []);
  });
}
