/**
 * Relations as answers: equations and inequalities, assignments ("x = 3"), chains ("x = 5 + 5 + 1 = 11"),
 * and inequalities read as the sets they describe ("|x| < 2" is (−2, 2)). Math-Verify's conventions.
 */
import { freeSymbols } from "./evaluate.ts";
import { neg } from "./latex-names.ts";
import type { MathNode, RelOp } from "./math-ast.ts";
import * as Q from "./rational.ts";

export type Relation = Extract<MathNode, { k: "rel" }>;

export function hasInfinity(n: MathNode): boolean {
  switch (n.k) {
    case "const":
      return n.name === "inf";
    case "add":
    case "mul":
    case "fn":
      return n.args.some(hasInfinity);
    case "pow":
      return hasInfinity(n.base) || hasInfinity(n.exp);
    default:
      return false;
  }
}

export const isEquation = (n: MathNode) => n.k === "rel" && n.ops.every((op) => op === "=");
/** Made of variables alone: `x`, `f(x)`, `AB`, `|AB|`, `NO/BO`, `(p, q)` — the left side of an assignment. */
export function isSymbolsOnly(n: MathNode): boolean {
  switch (n.k) {
    case "sym":
      return true;
    case "const":
      return n.name === "e" || n.name === "i";
    case "mul":
    case "add":
      return n.args.every(isSymbolsOnly);
    case "pow":
      return (
        isSymbolsOnly(n.base) &&
        n.exp.k === "num" &&
        n.exp.v.d === 1n &&
        (n.exp.v.n === 1n || n.exp.v.n === -1n)
      );
    case "fn":
      return n.name === "abs" && n.args.every(isSymbolsOnly);
    case "seq":
      return n.items.length > 0 && n.items.every(isSymbolsOnly);
    default:
      return false;
  }
}
export const isAssignment = (n: MathNode) => isEquation(n) && n.k === "rel" && isSymbolsOnly(n.terms[0]);
export const lastTerm = (n: MathNode) => (n.k === "rel" ? n.terms[n.terms.length - 1] : n);

/** "x = 5 + 5 + 1 = 11" → "x = 11": an assignment chain says what its last side says. */
export function collapseAssignment(n: MathNode): MathNode {
  if (n.k !== "rel" || n.terms.length <= 2 || !isAssignment(n)) return n;
  return { k: "rel", ops: ["="], terms: [n.terms[0], n.terms[n.terms.length - 1]] };
}

/**
 * The terms of an equation chain that must all be the same value for the chain to be true: every
 * constant term after an assignment's variables ("x = 2 + 2 = 5": 2 + 2 and 5), every constant term of
 * a bare chain ("2 + 2 = 5"). An answer is judged as a whole, so a false equation is a wrong answer
 * whatever its right-hand side says.
 */
export function chainConstants(rel: Relation): MathNode[] {
  const from = isSymbolsOnly(rel.terms[0]) ? 1 : 0;
  return rel.terms.slice(from).filter((t) => freeSymbols(t).size === 0);
}

export function canonicalRelation(
  op: RelOp,
  lhs: MathNode,
  rhs: MathNode,
): { op: "=" | "!=" | "<" | "<="; diff: MathNode } | null {
  const minus = (a: MathNode, b: MathNode): MathNode => ({
    k: "add",
    args: [a, { k: "mul", args: [{ k: "num", v: Q.rat(-1n), decimal: false }, b] }],
  });
  switch (op) {
    case "=":
    case "!=":
    case "<":
    case "<=":
      return { op, diff: minus(lhs, rhs) };
    case ">":
      return { op: "<", diff: minus(rhs, lhs) };
    case ">=":
      return { op: "<=", diff: minus(rhs, lhs) };
    default:
      return null;
  }
}

const INF: MathNode = { k: "const", name: "inf" };
const NEG_INF: MathNode = { k: "mul", args: [{ k: "num", v: Q.rat(-1n), decimal: false }, INF] };

/** "x > 3" → (3, ∞); "1 <= x < 2" → [1, 2). Only one variable against constants. */
export function relationToSet(rel: Relation): MathNode | null {
  const isVar = (n: MathNode) => isSymbolsOnly(n) && n.k !== "seq";
  const interval = (lo: MathNode, loOpen: boolean, hi: MathNode, hiOpen: boolean): MathNode => ({
    k: "seq",
    open: loOpen ? "(" : "[",
    close: hiOpen ? ")" : "]",
    items: [lo, hi],
  });
  const strict = (op: RelOp) => op === "<" || op === ">";
  const absArg = (n: MathNode) =>
    n.k === "fn" && n.name === "abs" && n.args.length === 1 && n.args[0].k === "sym";
  const constant = (n: MathNode) => freeSymbols(n).size === 0 && !hasInfinity(n);
  // "|x| < 2" → (-2, 2); "|x| >= 1" → (-∞, -1] ∪ [1, ∞); "1 <= |z| <= 3/2" → [-3/2, -1] ∪ [1, 3/2].
  if (rel.ops.length === 1 && rel.ops[0] !== "=" && rel.ops[0] !== "!=" && rel.ops[0] !== "in") {
    const [a, b] = rel.terms;
    if (absArg(a) || absArg(b)) {
      const c = absArg(a) ? b : a;
      if (!constant(c)) return null;
      const lessThan = (rel.ops[0] === "<" || rel.ops[0] === "<=") === absArg(a);
      const s = strict(rel.ops[0]);
      if (lessThan) return interval(neg(c), s, c, s);
      return { k: "union", items: [interval(NEG_INF, true, neg(c), s), interval(c, s, INF, true)] };
    }
  }
  if (rel.ops.length === 2 && absArg(rel.terms[1])) {
    const [lo, , hi] = rel.terms;
    const [op1, op2] = rel.ops;
    if (!(op1 === "<" || op1 === "<=") || !(op2 === "<" || op2 === "<=") || !constant(lo) || !constant(hi))
      return null;
    return {
      k: "union",
      items: [
        interval(neg(hi), strict(op2), neg(lo), strict(op1)),
        interval(lo, strict(op1), hi, strict(op2)),
      ],
    };
  }
  if (rel.terms.some(absArg)) return null;
  if (rel.ops.length === 1) {
    const [a, b] = rel.terms;
    const op = rel.ops[0];
    const [v, c, flipped] = isVar(a) ? [a, b, false] : isVar(b) ? [b, a, true] : [null, null, false];
    if (!v || !c || freeSymbols(c).size > 0) return null;
    const lessThan = (op === "<" || op === "<=") !== flipped;
    if (op === "!=" && v.k === "sym")
      // "x ≠ 2" → (-∞, 2) ∪ (2, ∞).
      return { k: "union", items: [interval(NEG_INF, true, c, true), interval(c, true, INF, true)] };
    if (op === "=" || op === "!=" || op === "in") return null;
    return lessThan ? interval(NEG_INF, true, c, strict(op)) : interval(c, strict(op), INF, true);
  }
  if (rel.ops.length === 2 && isVar(rel.terms[1])) {
    const [lo, , hi] = rel.terms;
    const [op1, op2] = rel.ops;
    const up = (op: RelOp) => op === "<" || op === "<=";
    if (up(op1) && up(op2)) return interval(lo, strict(op1), hi, strict(op2));
    if (!up(op1) && !up(op2) && op1 !== "=" && op2 !== "=") return interval(hi, strict(op2), lo, strict(op1));
  }
  return null;
}
