/**
 * Fraction arithmetic with an exact reduced answer (`5/6`, `-1/4`, `2`).
 * d1: `a/b+c/d`; d2: `+` or `-`; d3: three terms; d4+: a product among them; d6+: four terms.
 *
 * Solutions: least common denominator at each step, cross-multiplication at each step, the two
 * mixed, one common denominator for every term at once, and (sums only) the terms in another order.
 */
import { gcd, lcm } from "./format.ts";
import type { Rng } from "./rng.ts";
import type { ItemMaker } from "./types.ts";

interface Fraction {
  n: number;
  d: number;
}
type Op = "+" | "-" | "*";
type Method = "lcd" | "cross";

function reduce(f: Fraction): Fraction {
  const g = gcd(f.n, f.d) || 1;
  const sign = f.d < 0 ? -1 : 1;
  return { n: (sign * f.n) / g, d: (sign * f.d) / g };
}

export function formatFraction(f: Fraction): string {
  return f.d === 1 ? String(f.n) : `${f.n}/${f.d}`;
}

/** One step `x op y = ...` written with the given method; returns the line and the reduced result. */
function combine(x: Fraction, op: Op, y: Fraction, method: Method): { line: string; value: Fraction } {
  const head = `${formatFraction(x)}${op}${formatFraction(y)}`;
  if (op === "*") {
    const raw = { n: x.n * y.n, d: x.d * y.d };
    const value = reduce(raw);
    if (method === "cross") {
      const line = `${head}=(${x.n}*${y.n})/(${x.d}*${y.d})=${formatFraction(raw)}`;
      return {
        line: raw.n === value.n && raw.d === value.d ? line : `${line}=${formatFraction(value)}`,
        value,
      };
    }
    // Cancel common factors across before multiplying: 2/3*3/4 → 1/1*1/2.
    const g1 = gcd(x.n, y.d) || 1;
    const g2 = gcd(y.n, x.d) || 1;
    const a = { n: x.n / g1, d: x.d / g2 };
    const b = { n: y.n / g2, d: y.d / g1 };
    const cancelled = g1 > 1 || g2 > 1 ? `=${a.n}/${a.d}*${b.n}/${b.d}` : "";
    return { line: `${head}${cancelled}=${formatFraction(value)}`, value };
  }
  const sign = op === "+" ? 1 : -1;
  if (method === "lcd") {
    const l = lcm(x.d, y.d);
    const xn = (x.n * l) / x.d;
    const yn = (y.n * l) / y.d;
    const raw = { n: xn + sign * yn, d: l };
    const value = reduce(raw);
    const line = `${head}=${xn}/${l}${op}${yn}/${l}=${raw.n}/${l}`;
    return {
      line: raw.n === value.n && raw.d === value.d ? line : `${line}=${formatFraction(value)}`,
      value,
    };
  }
  const raw = { n: x.n * y.d + sign * y.n * x.d, d: x.d * y.d };
  const value = reduce(raw);
  const line = `${head}=(${x.n}*${y.d}${op}${y.n}*${x.d})/${raw.d}=${raw.n}/${raw.d}`;
  return { line: raw.n === value.n && raw.d === value.d ? line : `${line}=${formatFraction(value)}`, value };
}

/** Products first (they bind tighter), then sums left to right; `methods[i]` picks step i's method. */
function solve(
  terms: Fraction[],
  ops: Op[],
  methods: (i: number) => Method,
): { lines: string[]; value: Fraction } {
  const lines: string[] = [];
  let values = [...terms];
  let rest = [...ops];
  let step = 0;
  for (let i = 0; i < rest.length; ) {
    if (rest[i] !== "*") {
      i++;
      continue;
    }
    const { line, value } = combine(values[i], "*", values[i + 1], methods(step++));
    lines.push(line);
    values = [...values.slice(0, i), value, ...values.slice(i + 2)];
    rest = [...rest.slice(0, i), ...rest.slice(i + 1)];
  }
  let value = values[0];
  for (let i = 0; i < rest.length; i++) {
    const next = combine(value, rest[i], values[i + 1], methods(step++));
    lines.push(next.line);
    value = next.value;
  }
  return { lines, value };
}

/** All additive terms over one common denominator at once: `LCD 12: 6/12+4/12-3/12=7/12`. */
function oneDenominator(terms: Fraction[], ops: Op[], answer: Fraction): string[] {
  const l = terms.reduce((acc, t) => lcm(acc, t.d), 1);
  const scaled = terms.map((t) => `${(t.n * l) / t.d}/${l}`);
  const sum = terms.reduce(
    (acc, t, i) => acc + (i === 0 || ops[i - 1] === "+" ? 1 : -1) * ((t.n * l) / t.d),
    0,
  );
  const text = scaled.map((s, i) => (i === 0 ? s : `${ops[i - 1]}${s}`)).join("");
  const raw = `${sum}/${l}`;
  const last = raw === formatFraction(answer) ? raw : `${raw}=${formatFraction(answer)}`;
  return [`LCD ${l}`, `${text}=${last}`];
}

export const fractions: ItemMaker = (rng: Rng, difficulty) => {
  const count = difficulty >= 6 ? 4 : difficulty >= 3 ? 3 : 2;
  const maxDen = Math.min(4 + 2 * difficulty, 12);
  const terms: Fraction[] = [];
  for (let i = 0; i < count; i++) {
    const d = rng.int(2, maxDen);
    terms.push({ n: rng.int(1, d - 1), d });
  }
  const ops: Op[] = [];
  for (let i = 0; i < count - 1; i++) ops.push(difficulty === 1 ? "+" : rng.pick<Op>(["+", "-"]));
  if (difficulty >= 4) ops[rng.int(0, ops.length - 1)] = "*";
  const expressionText = terms.map((t, i) => (i === 0 ? "" : ops[i - 1]) + formatFraction(t)).join("");

  const lcd = solve(terms, ops, () => "lcd");
  const answer = formatFraction(lcd.value);
  const end = `#### ${answer}`;
  const solutions = [
    [...lcd.lines, end],
    [...solve(terms, ops, () => "cross").lines, end],
    [...solve(terms, ops, (i) => (i % 2 === 0 ? "cross" : "lcd")).lines, end],
  ];
  if (!ops.includes("*") && count >= 3) solutions.push([...oneDenominator(terms, ops, lcd.value), end]);
  if (ops.every((op) => op === "+")) {
    const reversed = [...terms].reverse();
    solutions.push([...solve(reversed, ops, () => "lcd").lines, end]);
  }
  return {
    question: `Compute ${expressionText} as a reduced fraction.`,
    answer,
    category: ops.includes("*") ? "product" : ops.includes("-") ? "difference" : "sum",
    solutions: [...new Set(solutions.map((s) => s.join("\n")))],
  };
};
