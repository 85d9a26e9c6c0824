import assert from "node:assert/strict";
import { test } from "node:test";
import { loadDataset } from "../../src/eval/datasets/load-dataset.ts";
import {
  checkCountdown,
  generateSynthetic,
  parseSyntheticSpec,
  syntheticNames,
} from "../../src/tasks/index.ts";
import type { SyntheticItem } from "../../src/tasks/types.ts";
import { exactEval, formatExact } from "../eval/helpers/exact-eval.ts";

const difficulties = [1, 2, 3, 4, 5, 6];

function items(name: (typeof syntheticNames)[number], difficulty: number, n = 40): SyntheticItem[] {
  return generateSynthetic(name, { difficulty, n, seed: 7 });
}

/** Every `a=b=c` chain of plain arithmetic in a solution line holds exactly. */
function assertChains(item: SyntheticItem): void {
  for (const solution of item.solutions) {
    for (const line of solution.split("\n").slice(0, -1)) {
      if (!/^[-\d(][-+*/()\d=]*$/.test(line)) continue;
      const values = line.split("=").map((part) => formatExact(exactEval(part)));
      assert.ok(
        values.every((v) => v === values[0]),
        `${item.id}: step ${line} does not hold`,
      );
    }
  }
}

test("generators are reproducible, and a larger n extends a smaller one", () => {
  for (const name of syntheticNames) {
    const a = generateSynthetic(name, { difficulty: 3, n: 20, seed: 5 });
    const b = generateSynthetic(name, { difficulty: 3, n: 20, seed: 5 });
    assert.deepEqual(a, b, name);
    assert.deepEqual(generateSynthetic(name, { difficulty: 3, n: 30, seed: 5 }).slice(0, 20), a, name);
    const other = generateSynthetic(name, { difficulty: 3, n: 20, seed: 6 });
    assert.notDeepEqual(
      other.map((i) => i.question),
      a.map((i) => i.question),
      `${name}: another seed gives other items`,
    );
  }
});

test("every item: ASCII, several solutions for most items, each ending in #### ANSWER", () => {
  for (const name of syntheticNames) {
    for (const difficulty of difficulties) {
      const set = items(name, difficulty);
      assert.equal(new Set(set.map((i) => i.id)).size, set.length);
      let multi = 0;
      for (const item of set) {
        assert.equal(item.difficulty, difficulty);
        assert.ok(item.solutions.length >= 1, item.id);
        assert.equal(new Set(item.solutions).size, item.solutions.length, `${item.id}: distinct solutions`);
        if (item.solutions.length >= 2) multi++;
        for (const solution of item.solutions) {
          assert.match(`${item.question}\n${solution}`, /^[\x20-\x7e\n]+$/, `${item.id}: ASCII`);
          const last = solution.split("\n").at(-1)!;
          assert.match(last, /^#### /, item.id);
          if (name === "countdown") {
            const { numbers, target } = item.meta as { numbers: number[]; target: number };
            assert.ok(checkCountdown(numbers, target, last.slice(5)), `${item.id}: ${last}`);
          } else assert.equal(last, `#### ${item.answer}`, item.id);
        }
      }
      // Countdown with two numbers often has one expression only; a chain of maps that do not
      // commute has one order; everything else offers a choice.
      const wanted =
        name === "chain"
          ? 0
          : name !== "countdown"
            ? 0.8
            : difficulty === 1
              ? 0
              : difficulty === 2
                ? 0.5
                : 0.8;
      assert.ok(
        multi >= wanted * set.length,
        `${name} d${difficulty}: ${multi}/${set.length} with 2+ solutions`,
      );
    }
  }
});

test("difficulty 1 fits the lab's smallest context: question plus shortest solution within ~128 chars", () => {
  for (const name of syntheticNames) {
    for (const item of items(name, 1, 200)) {
      const shortest = Math.min(...item.solutions.map((s) => s.length));
      assert.ok(
        item.question.length + 1 + shortest <= 128,
        `${item.id}: ${item.question.length + 1 + shortest}`,
      );
    }
  }
});

test("arithmetic: the answer recomputed from the words, and every step holds", () => {
  for (const difficulty of difficulties) {
    for (const item of items("arithmetic", difficulty)) {
      let value = Number(/has (\d+) /.exec(item.question)![1]);
      const events = [...item.question.matchAll(/(?:She|He|Then she|Then he) ([^.]+)\./g)];
      assert.equal(events.length, difficulty, `${item.id}: one event per difficulty step`);
      for (const [, event] of events) {
        const k = Number(/\d+/.exec(event)?.[0]);
        if (/^gets \d+ more$/.test(event)) value += k;
        else if (/^gives away \d+$/.test(event)) value -= k;
        else if (event === "doubles them") value *= 2;
        else if (event === "triples them") value *= 3;
        else if (/^gets \d+ times as many$/.test(event)) value *= k;
        else if (/^splits them into \d+ equal piles and keeps one$/.test(event)) value /= k;
        else assert.fail(`unknown event ${event}`);
        assert.ok(Number.isInteger(value) && value >= 0, `${item.id}: counts stay whole`);
      }
      assert.equal(item.answer, String(value), item.id);
      assertChains(item);
    }
  }
});

test("linear: the answer satisfies the equation (both sides evaluated exactly)", () => {
  for (const difficulty of difficulties) {
    for (const item of items("linear", difficulty)) {
      const [, left, right] = /^Solve (.+)=(.+)\. x=\?$/.exec(item.question)!;
      const at = (side: string, x: string) =>
        formatExact(exactEval(side.replace(/(\d)(x|\()/g, "$1*$2").replace(/x/g, `(${x})`)));
      assert.equal(
        at(left, item.answer),
        at(right, item.answer),
        `${item.id}: ${item.question} x=${item.answer}`,
      );
      // The x coefficient differs between the sides, so the solution is unique.
      const slope = (side: string) => formatExact(exactEval(`${at(side, "1")}-(${at(side, "0")})`));
      assert.notEqual(slope(left), slope(right), item.id);
      assertChains(item);
    }
  }
});

test("fractions: the answer is the expression's exact reduced value, and every step holds", () => {
  for (const difficulty of difficulties) {
    for (const item of items("fractions", difficulty)) {
      const [, expression] = /^Compute (.+) as a reduced fraction\.$/.exec(item.question)!;
      assert.equal(item.answer, formatExact(exactEval(expression)), item.id);
      assertChains(item);
    }
  }
});

test("countdown: the gold expression reaches the target with the given numbers; wrong ones fail", () => {
  for (const difficulty of difficulties) {
    for (const item of items("countdown", difficulty, 15)) {
      const { numbers, target } = item.meta as { numbers: number[]; target: number };
      assert.equal(exactEval(item.answer).n, BigInt(target));
      assert.ok(checkCountdown(numbers, target, item.answer), item.id);
      assert.ok(!checkCountdown(numbers, target + 1, item.answer), `${item.id}: another target`);
    }
  }
  assert.ok(checkCountdown([2, 3, 4], 14, "2+3*4"));
  assert.ok(checkCountdown([2, 3, 4], 14, "2+3*4=14"));
  assert.ok(!checkCountdown([2, 3, 4], 16, "4*4"), "a number used twice");
  assert.ok(!checkCountdown([2, 3, 4], 14, "2+3*4+"), "not an expression");
});

test("modular: the answer recomputed with BigInt", () => {
  for (const difficulty of difficulties) {
    for (const item of items("modular", difficulty)) {
      const power = /^Compute (\d+)\^(\d+) mod (\d+)\.$/.exec(item.question);
      const plain = /^Compute \((.+)\) mod (\d+)\.$/.exec(item.question);
      const expected = power
        ? BigInt(power[1]) ** BigInt(power[2]) % BigInt(power[3])
        : exactEval(plain![1]).n % BigInt(plain![2]);
      assert.equal(item.answer, String(expected), item.id);
      assert.ok(item.solutions.length >= 2, item.id);
    }
  }
});

test("logic: the answer recomputed by evaluating the expression", () => {
  for (const difficulty of difficulties) {
    for (const item of items("logic", difficulty)) {
      const [, assignment, expression] = /^(.+)\. What is (.+)\? Answer 1 or 0\.$/.exec(item.question)!;
      const env = Object.fromEntries(assignment.split(" ").map((pair) => pair.split("=")));
      // `not` binds tightest; the generator parenthesises every binary operand, so JS precedence agrees.
      const js = expression
        .replace(/\b[A-F]\b/g, (name) => (env[name] === "1" ? "true" : "false"))
        .replace(/\bnot /g, "!")
        .replace(/\band\b/g, "&&")
        .replace(/\bor\b/g, "||")
        .replace(/\bxor\b/g, "!==");
      const value = Number(Function(`"use strict"; return (${js});`)());
      assert.equal(item.answer, String(value), `${item.id}: ${item.question}`);
    }
  }
});

test("chain: the answer recomputed by applying the operations in order; each step starts from the last digit", () => {
  for (const difficulty of difficulties) {
    for (const item of items("chain", difficulty)) {
      const [, start, ops] = /^Start (\d), apply ((?:[+*]\d ?)+) mod 10\.$/.exec(item.question)!;
      const steps = ops.split(" ");
      assert.equal(steps.length, difficulty + 1, item.question);
      let value = Number(start);
      for (const step of steps)
        value = (step[0] === "+" ? value + Number(step[1]) : value * Number(step[1])) % 10;
      assert.equal(item.answer, String(value), item.question);
      const lines = item.solutions[0].split("\n");
      assert.equal(lines.length, difficulty + 2);
      for (let i = 1; i < lines.length - 1; i++) {
        assert.equal(lines[i][0], lines[i - 1].at(-1), `${item.id}: ${lines[i]} starts from the last digit`);
      }
    }
  }
});

test("sums: the answer is the sum of the question's terms, reached in several orders", () => {
  for (const difficulty of [1, 3, 5]) {
    for (const item of items("sums", difficulty)) {
      const terms = item.question.slice("Compute ".length, -1).split("+").map(Number);
      assert.equal(terms.length, difficulty + 1, item.question);
      assert.equal(item.answer, String(terms.reduce((a, b) => a + b, 0)));
      // Each addition merges two numbers into one: d additions, then the answer line.
      for (const solution of item.solutions) assert.equal(solution.split("\n").length, difficulty + 1);
      if (difficulty >= 3) assert.ok(item.solutions.length >= 3, `${item.id}: several orders`);
    }
  }
});

test("from=A mixes levels A..difficulty in equal shares, each item the single-level set's own", async () => {
  const mixed = generateSynthetic("sums", { from: 2, difficulty: 4, n: 9, seed: 5 });
  assert.deepEqual(
    mixed.map((item) => item.difficulty),
    [2, 3, 4, 2, 3, 4, 2, 3, 4],
  );
  for (const level of [2, 3, 4]) {
    const single = generateSynthetic("sums", { difficulty: level, n: 3, seed: 5 });
    assert.deepEqual(
      mixed.filter((item) => item.difficulty === level),
      single,
    );
  }
  assert.throws(
    () => parseSyntheticSpec("synthetic:sums?from=5&difficulty=3"),
    /`from` must be at most `difficulty`/,
  );
  const dataset = await loadDataset("synthetic:sums?from=1&difficulty=3&n=6&seed=2");
  assert.equal(dataset.spec, "synthetic:sums?from=1&difficulty=3&n=6&seed=2");
  assert.equal(new Set(dataset.items.map((item) => item.id)).size, 6);
});
