/**
 * Countdown: reach a target with some of the given numbers, each at most once, using + - * /
 * with every intermediate a positive integer (the game's rules). d1 gives 2 numbers, d2 3, and so
 * on up to 6; from d4 one "large" number (25, 50, 75, 100) joins the small ones.
 *
 * Many expressions reach the target, so the gold `answer` is one of them and any other is right
 * too: grade with `checkCountdown`, never by comparing strings. Each solution is a different
 * expression found by a randomised search, worked step by step, ending in `#### EXPRESSION`.
 */
import type { Rng } from "./rng.ts";
import type { ItemMaker } from "./types.ts";

type Op = "+" | "-" | "*" | "/";
interface Node {
  value: number;
  /** The expression text with the fewest parentheses. */
  text: string;
  /** Precedence of the top operator: 3 for a bare number, 2 for * and /, 1 for + and -. */
  prec: number;
  /** Steps that built it, `a op b=c`. */
  steps: string[];
}

/** Most search nodes visited per item, so a target with few solutions cannot stall generation. */
const searchLimit = 50_000;
/** How many distinct solutions to collect per item. */
const wanted = 4;
const large = [25, 50, 75, 100];

function combine(a: Node, op: Op, b: Node): Node | null {
  let value: number;
  switch (op) {
    case "+":
      value = a.value + b.value;
      break;
    case "-":
      value = a.value - b.value;
      break;
    case "*":
      value = a.value * b.value;
      break;
    case "/":
      value = b.value === 0 || a.value % b.value !== 0 ? Number.NaN : a.value / b.value;
      break;
    default:
      return op satisfies never;
  }
  if (!Number.isInteger(value) || value <= 0) return null;
  const prec = op === "+" || op === "-" ? 1 : 2;
  // Left operand needs parentheses only below this precedence; the right one also at equal
  // precedence for - and / (a-(b-c), a/(b*c)), never for + and *.
  const left = a.prec < prec ? `(${a.text})` : a.text;
  const right = b.prec < prec || (b.prec === prec && (op === "-" || op === "/")) ? `(${b.text})` : b.text;
  return {
    value,
    text: `${left}${op}${right}`,
    prec,
    steps: [...a.steps, ...b.steps, `${a.value}${op}${b.value}=${value}`],
  };
}

function leaf(value: number): Node {
  return { value, text: String(value), prec: 3, steps: [] };
}

/** Randomised depth-first search for up to `wanted` distinct expressions reaching `target`. */
function search(rng: Rng, numbers: number[], target: number): Node[] {
  const found = new Map<string, Node>();
  let visited = 0;
  const visit = (pool: Node[]): void => {
    for (const node of pool)
      if (node.value === target && node.prec < 3 && !found.has(node.text)) found.set(node.text, node);
    if (found.size >= wanted || visited >= searchLimit || pool.length < 2) return;
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < pool.length; i++)
      for (let j = 0; j < pool.length; j++) if (i !== j) pairs.push([i, j]);
    for (const [i, j] of rng.shuffle(pairs)) {
      for (const op of rng.shuffle<Op>(["+", "-", "*", "/"])) {
        // + and * commute: take each unordered pair once.
        if ((op === "+" || op === "*") && i > j) continue;
        const made = combine(pool[i], op, pool[j]);
        if (!made) continue;
        visited++;
        visit([made, ...pool.filter((_, k) => k !== i && k !== j)]);
        if (found.size >= wanted || visited >= searchLimit) return;
      }
    }
  };
  visit(numbers.map(leaf));
  return [...found.values()];
}

/** Evaluates an expression of integers, + - * / and parentheses; null when it is not one. */
export function evaluateExpression(text: string): { value: number; numbers: number[] } | null {
  const tokens = text.replace(/\s+/g, "").match(/\d+|[-+*/()]|./g) ?? [];
  let position = 0;
  const numbers: number[] = [];
  const primary = (): number => {
    const token = tokens[position++];
    if (token === "(") {
      const value = sum();
      if (tokens[position++] !== ")") throw new Error("unbalanced");
      return value;
    }
    if (token !== undefined && /^\d+$/.test(token)) {
      numbers.push(Number(token));
      return Number(token);
    }
    throw new Error(`unexpected ${token}`);
  };
  const product = (): number => {
    let value = primary();
    while (tokens[position] === "*" || tokens[position] === "/") {
      const op = tokens[position++];
      const right = primary();
      value = op === "*" ? value * right : value / right;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (tokens[position] === "+" || tokens[position] === "-") {
      const op = tokens[position++];
      const right = product();
      value = op === "+" ? value + right : value - right;
    }
    return value;
  };
  try {
    const value = sum();
    return position === tokens.length && tokens.length > 0 ? { value, numbers } : null;
  } catch {
    return null;
  }
}

/**
 * Whether `expression` reaches `target` using each given number at most once. The answer may be
 * written as `EXPR`, `EXPR=TARGET` or inside a line ending in one of those.
 */
export function checkCountdown(numbers: readonly number[], target: number, expression: string): boolean {
  const candidate = expression.trim().split("=")[0];
  const result = evaluateExpression(candidate);
  if (!result || Math.abs(result.value - target) > 1e-9) return false;
  const left = [...numbers];
  for (const used of result.numbers) {
    const at = left.indexOf(used);
    if (at < 0) return false;
    left.splice(at, 1);
  }
  return true;
}

export const countdown: ItemMaker = (rng, difficulty) => {
  const count = Math.min(difficulty + 1, 6);
  for (;;) {
    const numbers = Array.from({ length: count }, () => rng.int(1, difficulty <= 2 ? 9 : 10));
    if (difficulty >= 4) numbers[0] = rng.pick(large);
    // The target comes from a random combination of all (d <= 3) or most of the numbers.
    let pool = rng.shuffle(numbers).map(leaf);
    const use = difficulty <= 3 ? pool.length : rng.int(Math.max(2, pool.length - 2), pool.length);
    pool = pool.slice(0, use);
    while (pool.length > 1) {
      const a = pool.pop()!;
      const b = pool.pop()!;
      const made = combine(a, rng.pick<Op>(["+", "-", "*", "/"]), b) ?? combine(a, "+", b)!;
      pool.push(made);
    }
    const target = pool[0].value;
    if (target > 999 || numbers.includes(target)) continue;
    const found = search(rng, rng.shuffle(numbers), target);
    if (found.length === 0) continue;
    const ordered = [...numbers].sort((x, y) => x - y);
    const solutions = found.map((node) => [...node.steps, `#### ${node.text}`].join("\n"));
    return {
      question: `Use ${ordered.join(" ")} to make ${target} with + - * /, each number at most once.`,
      answer: found[0].text,
      category: `${count}-numbers`,
      solutions,
      meta: { numbers: ordered, target },
    };
  }
};
