/**
 * Boolean expressions over variables set to 1 or 0, with `and`, `or`, `not` and (from d4) `xor`.
 * Difficulty d gives an expression tree of depth about d and up to d+1 variables. Answer: `1` or `0`.
 *
 * Solutions: substitute then evaluate inner-first left-to-right, the same right-to-left, and
 * short-circuit (`0 and ...=0` without evaluating the rest).
 */
import type { Rng } from "./rng.ts";
import type { ItemMaker } from "./types.ts";

type Expr =
  | { kind: "var"; name: string }
  | { kind: "not"; operand: Expr }
  | { kind: "and" | "or" | "xor"; left: Expr; right: Expr };

const variableNames = ["A", "B", "C", "D", "E", "F"];

function build(rng: Rng, depth: number, variables: string[], ops: Array<"and" | "or" | "xor">): Expr {
  if (depth <= 0 || rng.chance(0.2)) {
    const leaf: Expr = { kind: "var", name: rng.pick(variables) };
    return rng.chance(0.25) ? { kind: "not", operand: leaf } : leaf;
  }
  if (rng.chance(0.15)) return { kind: "not", operand: build(rng, depth - 1, variables, ops) };
  return {
    kind: rng.pick(ops),
    left: build(rng, depth - 1, variables, ops),
    right: build(rng, depth - 1, variables, ops),
  };
}

/** Text with the values (or names) substituted; compound operands get parentheses. */
function show(expr: Expr, env?: Record<string, number>): string {
  switch (expr.kind) {
    case "var":
      return env ? String(env[expr.name]) : expr.name;
    case "not": {
      const inner = show(expr.operand, env);
      return expr.operand.kind === "var" || expr.operand.kind === "not" ? `not ${inner}` : `not (${inner})`;
    }
    default: {
      const wrap = (e: Expr) => (e.kind === "var" || e.kind === "not" ? show(e, env) : `(${show(e, env)})`);
      return `${wrap(expr.left)} ${expr.kind} ${wrap(expr.right)}`;
    }
  }
}

function value(expr: Expr, env: Record<string, number>): number {
  switch (expr.kind) {
    case "var":
      return env[expr.name];
    case "not":
      return 1 - value(expr.operand, env);
    case "and":
      return value(expr.left, env) & value(expr.right, env);
    case "or":
      return value(expr.left, env) | value(expr.right, env);
    case "xor":
      return value(expr.left, env) ^ value(expr.right, env);
    default:
      return expr satisfies never;
  }
}

/** Evaluates bottom-up, writing one line per operator; `rightFirst` flips the order of operands. */
function steps(
  expr: Expr,
  env: Record<string, number>,
  rightFirst: boolean,
  shortCircuit: boolean,
  lines: string[],
): number {
  switch (expr.kind) {
    case "var":
      return env[expr.name];
    case "not": {
      const inner = steps(expr.operand, env, rightFirst, shortCircuit, lines);
      lines.push(`not ${inner}=${1 - inner}`);
      return 1 - inner;
    }
    default: {
      if (shortCircuit && expr.kind !== "xor") {
        const left = steps(expr.left, env, rightFirst, shortCircuit, lines);
        const decides = expr.kind === "and" ? left === 0 : left === 1;
        if (decides) {
          lines.push(`${left} ${expr.kind} ...=${left}`);
          return left;
        }
        const right = steps(expr.right, env, rightFirst, shortCircuit, lines);
        lines.push(`${left} ${expr.kind} ${right}=${right}`);
        return right;
      }
      let left: number;
      let right: number;
      if (rightFirst) {
        right = steps(expr.right, env, rightFirst, shortCircuit, lines);
        left = steps(expr.left, env, rightFirst, shortCircuit, lines);
      } else {
        left = steps(expr.left, env, rightFirst, shortCircuit, lines);
        right = steps(expr.right, env, rightFirst, shortCircuit, lines);
      }
      const result = expr.kind === "and" ? left & right : expr.kind === "or" ? left | right : left ^ right;
      lines.push(`${left} ${expr.kind} ${right}=${result}`);
      return result;
    }
  }
}

export const logic: ItemMaker = (rng, difficulty) => {
  const variables = variableNames.slice(0, Math.min(difficulty + 1, variableNames.length));
  const env = Object.fromEntries(variables.map((name) => [name, rng.int(0, 1)]));
  const ops: Array<"and" | "or" | "xor"> = difficulty >= 4 ? ["and", "or", "xor"] : ["and", "or"];
  let expr = build(rng, difficulty, variables, ops);
  // At least one binary operator, so there is something to evaluate.
  while (expr.kind === "var" || expr.kind === "not") expr = build(rng, difficulty, variables, ops);
  const answer = String(value(expr, env));
  const assignment = variables.map((name) => `${name}=${env[name]}`).join(" ");
  const substituted = show(expr, env);
  const traces = [
    [false, false],
    [true, false],
    [false, true],
  ].map(([rightFirst, shortCircuit]) => {
    const lines: string[] = [];
    steps(expr, env, rightFirst, shortCircuit, lines);
    return lines;
  });
  const end = `#### ${answer}`;
  const solutions = [
    [...traces[0], end],
    [substituted, ...traces[0], end],
    [...traces[1], end],
    [...traces[2], end],
  ];
  return {
    question: `${assignment}. What is ${show(expr)}? Answer 1 or 0.`,
    answer,
    category: ops.length === 3 ? "xor" : "and-or",
    solutions: [...new Set(solutions.map((s) => s.join("\n")))],
  };
};
