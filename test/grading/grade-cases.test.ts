import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gradeSync } from "../../src/grading/index.ts";
import type { GradeOptions } from "../../src/grading/types.ts";

/**
 * The equivalence facts (which answers are the same, which are not), one per line of the case tables,
 * grouped by kind. cases.jsonl: integers, decimals, fractions, percent, radicals, symbolic, equations,
 * sets, tuples, intervals, matrices, complex numbers, units, extraction, choices, near misses, datasets.
 * cases-2.jsonl: Math-Verify's conventions (its tests and grader rules restated as our own facts):
 * numbers, rounding, LaTeX forms, functions, sums, ±, relations, sets and tuples, text and choices.
 */
interface Case extends GradeOptions {
  group: string;
  gold: string;
  pred: string;
  expected: boolean;
}

const readCases = (file: string): Case[] =>
  readFileSync(new URL(file, import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Case);

for (const file of ["./cases.jsonl", "./cases-2.jsonl"]) {
  const cases = readCases(file);

  test(`${file}: the case table is large and balanced between equal and not equal`, () => {
    assert.ok(cases.length >= 400, `only ${cases.length} cases`);
    const negatives = cases.filter((c) => !c.expected).length;
    assert.ok(negatives / cases.length > 0.4, `only ${negatives} negative cases`);
  });

  const groups = [...new Set(cases.map((c) => c.group))];
  for (const group of groups) {
    test(`${file}: grading agrees with the facts: ${group}`, () => {
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
}
