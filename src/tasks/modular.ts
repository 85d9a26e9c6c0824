/**
 * Modular arithmetic with a residue in [0, m). d1: `(a+b) mod m`; d2: `(a*b) mod m`;
 * d3: `(a*b+c) mod m`; d4+: `a^e mod m` with e growing with d.
 *
 * Solutions: compute then reduce once, reduce every operand first, and for powers repeated
 * multiplication mod m vs square-and-multiply.
 */
import type { Rng } from "./rng.ts";
import type { ItemMaker } from "./types.ts";

function mod(value: number, m: number): number {
  return ((value % m) + m) % m;
}

/** `391 mod 7=6`, showing the quotient when it helps: `391-55*7=6`. */
function reduceLine(value: number, m: number, showQuotient: boolean): string {
  const q = Math.floor(value / m);
  return showQuotient && q > 0 ? `${value}-${q}*${m}=${mod(value, m)}` : `${value} mod ${m}=${mod(value, m)}`;
}

function powerRepeated(a: number, e: number, m: number): string[] {
  const lines = [`${a} mod ${m}=${mod(a, m)}`];
  let value = mod(a, m);
  for (let i = 2; i <= e; i++) {
    const raw = value * mod(a, m);
    lines.push(`${value}*${mod(a, m)}=${raw} mod ${m}=${mod(raw, m)}`);
    value = mod(raw, m);
  }
  return lines;
}

function powerSquaring(a: number, e: number, m: number): string[] {
  const lines: string[] = [];
  let base = mod(a, m);
  let result = 1;
  let exponent = e;
  let power = 1;
  while (exponent > 0) {
    if (exponent & 1) {
      const raw = result * base;
      lines.push(`r=${result}*${base}=${raw} mod ${m}=${mod(raw, m)}`);
      result = mod(raw, m);
    }
    exponent >>= 1;
    if (exponent > 0) {
      const raw = base * base;
      power *= 2;
      lines.push(`a^${power}=${base}*${base}=${raw} mod ${m}=${mod(raw, m)}`);
      base = mod(raw, m);
    }
  }
  return lines;
}

export const modular: ItemMaker = (rng: Rng, difficulty) => {
  const m = rng.int(3, difficulty <= 2 ? 9 : 13 + 2 * difficulty);
  const big = 10 + 15 * difficulty;
  const a = rng.int(2, big);
  const b = rng.int(2, big);
  const c = rng.int(1, big);
  let question: string;
  let answer: number;
  let solutions: string[][];
  let category: string;
  if (difficulty >= 4) {
    const e = rng.int(3, 3 + 2 * (difficulty - 3));
    const base = rng.int(2, 9 + difficulty);
    answer = 1;
    for (let i = 0; i < e; i++) answer = mod(answer * base, m);
    question = `Compute ${base}^${e} mod ${m}.`;
    solutions = [powerRepeated(base, e, m), powerSquaring(base, e, m)];
    category = "power";
  } else if (difficulty === 3) {
    answer = mod(a * b + c, m);
    question = `Compute (${a}*${b}+${c}) mod ${m}.`;
    solutions = [
      [`${a}*${b}=${a * b}`, `${a * b}+${c}=${a * b + c}`, reduceLine(a * b + c, m, true)],
      [`${a}*${b}+${c}=${a * b + c}`, reduceLine(a * b + c, m, false)],
      [
        `${a} mod ${m}=${mod(a, m)}`,
        `${b} mod ${m}=${mod(b, m)}`,
        `${c} mod ${m}=${mod(c, m)}`,
        `${mod(a, m)}*${mod(b, m)}+${mod(c, m)}=${mod(a, m) * mod(b, m) + mod(c, m)}`,
        reduceLine(mod(a, m) * mod(b, m) + mod(c, m), m, false),
      ],
    ];
    category = "mixed";
  } else {
    const op = difficulty === 1 ? "+" : "*";
    const raw = op === "+" ? a + b : a * b;
    const small = op === "+" ? mod(a, m) + mod(b, m) : mod(a, m) * mod(b, m);
    answer = mod(raw, m);
    question = `Compute (${a}${op}${b}) mod ${m}.`;
    solutions = [
      [`${a}${op}${b}=${raw}`, reduceLine(raw, m, false)],
      [`${a}${op}${b}=${raw}`, reduceLine(raw, m, true)],
      [
        `${a} mod ${m}=${mod(a, m)}`,
        `${b} mod ${m}=${mod(b, m)}`,
        `${mod(a, m)}${op}${mod(b, m)}=${small}`,
        reduceLine(small, m, false),
      ],
    ];
    category = op === "+" ? "sum" : "product";
  }
  const end = `#### ${answer}`;
  return {
    question,
    answer: String(answer),
    category,
    solutions: [...new Set(solutions.map((s) => [...s, end].join("\n")))],
  };
};
