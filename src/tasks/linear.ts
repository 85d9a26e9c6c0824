/**
 * Linear equations in one unknown with an integer solution.
 * d1: `ax+b=c` (positive numbers); d2: negative numbers too; d3+: `ax+b=cx+d`; d5+: `a(x+b)=cx+d`.
 *
 * Solutions: constants first then divide, one combined line, x terms first vs constants first
 * (two-sided), expand first (parenthesised), and a version that checks by substitution.
 */
import { paren, plus, plusTerm, term } from "./format.ts";
import type { Rng } from "./rng.ts";
import type { ItemMaker } from "./types.ts";

function nonZero(rng: Rng, lo: number, hi: number): number {
  for (;;) {
    const value = rng.int(lo, hi);
    if (value !== 0) return value;
  }
}

export const linear: ItemMaker = (rng, difficulty) => {
  const range = 9 + 5 * (difficulty - 1);
  const negatives = difficulty >= 2;
  const x = negatives ? rng.int(-range, range) : rng.int(1, range);
  const a = negatives ? nonZero(rng, -Math.min(range, 9), Math.min(range, 9)) : rng.int(2, 9);
  const end = `#### ${x}`;
  const check = (left: string, right: number) => `check ${left}=${right} ok`;

  if (difficulty <= 2) {
    // a*x + b = c
    const b = negatives ? nonZero(rng, -range, range) : rng.int(1, range);
    const c = a * x + b;
    const equation = `${plus(term(a), b)}=${c}`;
    const solutions = [
      [`${term(a)}=${c}-${paren(b)}=${c - b}`, `x=${c - b}/${paren(a)}=${x}`, end],
      [`x=(${c}-${paren(b)})/${paren(a)}=${x}`, end],
      [`${term(a)}=${c - b}`, `x=${x}`, check(`${a}*${paren(x)}+${paren(b)}`, c), end],
    ];
    return {
      question: `Solve ${equation}. x=?`,
      answer: String(x),
      category: "one-sided",
      solutions: [...new Set(solutions.map((s) => s.join("\n")))],
    };
  }

  // Two-sided: ax + b = cx + d with a != c; from d5 the left side is a(x + p), so b = a*p.
  let c = nonZero(rng, -9, 9);
  while (c === a) c = nonZero(rng, -9, 9);
  const grouped = difficulty >= 5;
  const p = grouped ? nonZero(rng, -9, 9) : 0;
  let b: number;
  let d: number;
  if (grouped) {
    b = a * p;
    d = a * x + b - c * x;
  } else {
    d = rng.int(-range, range);
    b = c * x + d - a * x;
  }
  const rightSide = plus(term(c), d);
  const left = grouped ? `${a === 1 ? "" : a === -1 ? "-" : a}(${plus("x", p)})` : plus(term(a), b);
  const k = a - c;
  const expanded = grouped ? [`${plus(term(a), b)}=${rightSide}`] : [];
  const constantsFirst = [
    ...expanded,
    `${term(a)}=${plusTerm(String(d - b), c)}`,
    `${term(k)}=${d - b}`,
    `x=${d - b}/${paren(k)}=${x}`,
    end,
  ];
  const xFirst = [
    ...expanded,
    `${plus(term(k), b)}=${d}`,
    `${term(k)}=${d}-${paren(b)}=${d - b}`,
    `x=${x}`,
    end,
  ];
  const otherSide = [...expanded, `${b - d}=${term(-k)}`, `x=${b - d}/${paren(-k)}=${x}`, end];
  const checked = [
    ...expanded,
    `${term(k)}=${d - b}`,
    `x=${x}`,
    check(`${a}*${paren(x)}+${paren(b)}`, a * x + b),
    end,
  ];
  return {
    question: `Solve ${left}=${rightSide}. x=?`,
    answer: String(x),
    category: grouped ? "parentheses" : "two-sided",
    solutions: [...new Set([constantsFirst, xFirst, otherSide, checked].map((s) => s.join("\n")))],
  };
};
