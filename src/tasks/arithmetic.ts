/**
 * Multi-step arithmetic word problems: someone starts with some things and a chain of events
 * changes how many they have. Difficulty d gives d events with numbers growing with d.
 *
 * Solutions: step by step (`3+4=7`), one expression (`(3+4)*2=14`), runs of +/- merged into one
 * net change first, and the same run in another order; all end in `#### N`.
 */
import type { Rng } from "./rng.ts";
import type { ItemMaker } from "./types.ts";

type Op = "+" | "-" | "*" | "/";
interface Step {
  op: Op;
  k: number;
}

const people: Array<[name: string, pronoun: string]> = [
  ["Ann", "she"],
  ["Bob", "he"],
  ["Cy", "he"],
  ["Dee", "she"],
  ["Eli", "he"],
  ["Fay", "she"],
  ["Gus", "he"],
  ["Ida", "she"],
  ["Jo", "she"],
  ["Kim", "she"],
];
const things = ["pens", "cards", "eggs", "coins", "books", "cups", "shells", "stamps"];

function phrase(step: Step): string {
  switch (step.op) {
    case "+":
      return `gets ${step.k} more`;
    case "-":
      return `gives away ${step.k}`;
    case "*":
      return step.k === 2 ? "doubles them" : step.k === 3 ? "triples them" : `gets ${step.k} times as many`;
    case "/":
      return `splits them into ${step.k} equal piles and keeps one`;
    default:
      return step.op satisfies never;
  }
}

function apply(value: number, step: Step): number {
  switch (step.op) {
    case "+":
      return value + step.k;
    case "-":
      return value - step.k;
    case "*":
      return value * step.k;
    case "/":
      return value / step.k;
    default:
      return step.op satisfies never;
  }
}

/** Picks a step that keeps the count a non-negative integer. */
function nextStep(rng: Rng, value: number, difficulty: number): Step {
  const max = 9 + 10 * (difficulty - 1);
  for (;;) {
    const op = rng.pick<Op>(["+", "+", "-", "-", "*", "/"]);
    if (op === "+") return { op, k: rng.int(1, max) };
    if (op === "-" && value >= 1) return { op, k: rng.int(1, Math.min(value, max)) };
    if (op === "*" && value * 3 <= 20 * max) return { op, k: rng.int(2, difficulty >= 3 ? 5 : 3) };
    if (op === "/") {
      const divisors = [2, 3, 4, 5].filter((k) => value >= k && value % k === 0);
      if (divisors.length > 0) return { op, k: rng.pick(divisors) };
    }
  }
}

function isAdditive(op: Op): boolean {
  return op === "+" || op === "-";
}

/** One expression with the fewest parentheses: `(3+4)*2-1`. */
function expression(start: number, steps: Step[]): string {
  let text = String(start);
  let lastAdditive = false;
  for (const step of steps) {
    if (!isAdditive(step.op) && lastAdditive) text = `(${text})`;
    text = `${text}${step.op}${step.k}`;
    lastAdditive = isAdditive(step.op);
  }
  return text;
}

function stepByStep(start: number, steps: Step[]): string[] {
  const lines: string[] = [];
  let value = start;
  for (const step of steps) {
    const next = apply(value, step);
    lines.push(`${value}${step.op}${step.k}=${next}`);
    value = next;
  }
  return lines;
}

/** Merges each run of two or more +/- steps into one net change: `+4-2+5` → `4-2+5=7`, then `3+7=10`. */
function merged(start: number, steps: Step[]): string[] | null {
  const lines: string[] = [];
  let value = start;
  let mergedAny = false;
  for (let i = 0; i < steps.length; ) {
    let j = i;
    while (j < steps.length && isAdditive(steps[j].op)) j++;
    if (j - i >= 2) {
      const run = steps.slice(i, j);
      const net = run.reduce((sum, s) => sum + (s.op === "+" ? s.k : -s.k), 0);
      const first = run[0].op === "+" ? `${run[0].k}` : `-${run[0].k}`;
      const rest = run
        .slice(1)
        .map((s) => `${s.op}${s.k}`)
        .join("");
      lines.push(`${first}${rest}=${net}`);
      const next = value + net;
      lines.push(net >= 0 ? `${value}+${net}=${next}` : `${value}-${-net}=${next}`);
      value = next;
      mergedAny = true;
      i = j;
    } else {
      const next = apply(value, steps[i]);
      lines.push(`${value}${steps[i].op}${steps[i].k}=${next}`);
      value = next;
      i++;
    }
  }
  return mergedAny ? lines : null;
}

/** Adds first, then subtracts, inside each +/- run (same value, a different path). */
function reordered(steps: Step[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < steps.length; ) {
    let j = i;
    while (j < steps.length && isAdditive(steps[j].op)) j++;
    if (j > i) {
      const run = steps.slice(i, j);
      out.push(...run.filter((s) => s.op === "+"), ...run.filter((s) => s.op === "-"));
      i = j;
    } else {
      out.push(steps[i]);
      i++;
    }
  }
  return out;
}

export const arithmetic: ItemMaker = (rng, difficulty) => {
  const [name, pronoun] = rng.pick(people);
  const thing = rng.pick(things);
  const start = rng.int(2, 9 + 10 * (difficulty - 1));
  const steps: Step[] = [];
  let value = start;
  for (let i = 0; i < difficulty; i++) {
    const step = nextStep(rng, value, difficulty);
    steps.push(step);
    value = apply(value, step);
  }
  const subject = `${pronoun[0].toUpperCase()}${pronoun.slice(1)}`;
  const events = steps.map((s, i) => `${i === 0 ? subject : `Then ${pronoun}`} ${phrase(s)}.`).join(" ");
  const question = `${name} has ${start} ${thing}. ${events} How many ${thing} now?`;
  const answer = String(value);
  const end = `#### ${answer}`;
  const solutions = [
    [...stepByStep(start, steps), end],
    [`${expression(start, steps)}=${answer}`, end],
    [`has ${start}`, ...stepByStep(start, steps), end],
  ];
  const merge = merged(start, steps);
  if (merge) solutions.push([...merge, end]);
  const order = reordered(steps);
  solutions.push([...stepByStep(start, order), end]);
  const mixes = new Set(steps.map((s) => (isAdditive(s.op) ? "add" : "mul")));
  return {
    question,
    answer,
    category: mixes.size === 2 ? "mixed" : [...mixes][0],
    solutions: [...new Set(solutions.map((lines) => lines.join("\n")))],
  };
};
