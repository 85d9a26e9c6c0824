/**
 * Equivalence of two parsed answers, cheapest check first: structure (sets, tuples, intervals, matrices,
 * relations) decides what is compared with what; scalars are compared exactly as rationals, then as
 * values at random rational points (Schwartz–Zippel: a non-zero polynomial rarely vanishes at several
 * random points), with floats and a tight tolerance only where exactness is impossible (π, √2, sin).
 * Conventions follow Math-Verify: gold decides the shape (`x = 3` vs `3` are equal), sets are unordered,
 * tuples and intervals ordered with brackets that must match, decimals compare at 6 places.
 */
import {
  divideValues,
  EvaluationError,
  evaluate,
  freeSymbols,
  isExact,
  samplePoint,
  toComplex,
  type Value,
} from "./evaluate.ts";
import { neg } from "./latex-names.ts";
import type { MathNode, RelOp } from "./math-ast.ts";
import { foldMatrices } from "./matrix-ops.ts";
import * as Q from "./rational.ts";

export interface CompareOptions {
  /** Decimal places at which a decimal answer is compared (Math-Verify's float_rounding). Default 6. */
  decimals?: number;
}

export interface CompareResult {
  equal: boolean;
  /** Which comparison decided: numeric, symbolic, set, tuple, interval, matrix, relation, text. */
  method: string;
}

/** Points tried per symbolic comparison; each must agree. */
const TRIALS = 4;
/** Relative tolerance for values that had to be computed in floating point. */
const FLOAT_RTOL = 1e-9;
/** Beyond 2^53 a float no longer tells consecutive integers apart. */
const FLOAT_EXACT_LIMIT = 2 ** 53;

function hasInfinity(n: MathNode): boolean {
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

export function compareMath(gold: MathNode, pred: MathNode, options: CompareOptions = {}): CompareResult {
  return new Comparer(options.decimals ?? 6).compare(gold, pred);
}

const isEquation = (n: MathNode) => n.k === "rel" && n.ops.every((op) => op === "=");
/** Made of variables alone: `x`, `f(x)`, `AB`, `|AB|`, `NO/BO`, `(p, q)` — the left side of an assignment. */
function isSymbolsOnly(n: MathNode): boolean {
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
const isAssignment = (n: MathNode) => isEquation(n) && n.k === "rel" && isSymbolsOnly(n.terms[0]);
const lastTerm = (n: MathNode) => (n.k === "rel" ? n.terms[n.terms.length - 1] : n);

/** "x = 5 + 5 + 1 = 11" → "x = 11": an assignment chain says what its last side says. */
function collapseAssignment(n: MathNode): MathNode {
  if (n.k !== "rel" || n.terms.length <= 2 || !isAssignment(n)) return n;
  return { k: "rel", ops: ["="], terms: [n.terms[0], n.terms[n.terms.length - 1]] };
}

/** Whether a node is a decimal literal (or a decimal percentage): the 6-decimal convention applies. */
function isDecimal(n: MathNode): boolean {
  if (n.k === "num") return n.decimal;
  if (n.k === "mul" && n.args.length === 2) {
    const [a, b] = n.args;
    if (a.k === "num" && a.v.n === -1n && a.v.d === 1n) return isDecimal(b);
    if (b.k === "num" && b.v.n === 1n && b.v.d === 100n) return isDecimal(a);
  }
  return false;
}

const hasMatrix = (n: MathNode): boolean =>
  n.k === "matrix" || ((n.k === "add" || n.k === "mul") && n.args.some(hasMatrix));

class Comparer {
  constructor(private readonly decimals: number) {}

  compare(gold: MathNode, pred: MathNode): CompareResult {
    gold = collapseAssignment(gold);
    pred = collapseAssignment(pred);
    // Gold decides the shape: an equation predicted for a plain gold is read by its right-hand side,
    // and an assignment gold ("x = 3") accepts a plain prediction ("3").
    if (isEquation(pred) && !isEquation(gold)) pred = lastTerm(pred);
    else if (isAssignment(gold) && !isEquation(pred)) gold = lastTerm(gold);
    if (gold.k === "rel" && pred.k === "rel")
      return { equal: this.relations(gold, pred), method: "relation" };
    if (gold.k === "rel" && (pred.k === "seq" || pred.k === "union")) {
      const asSet = relationToSet(gold);
      return asSet ? this.compare(asSet, pred) : { equal: false, method: "relation" };
    }
    // "x < 1 or x > 3" (a bare list of inequalities) against "(-∞, 1) ∪ (3, ∞)".
    const interval = pred.k === "seq" && (pred.open === "(" || pred.open === "[");
    if (gold.k === "seq" && gold.open === "" && (pred.k === "union" || interval)) {
      const parts = gold.items.map((item) => (item.k === "rel" ? relationToSet(item) : null));
      if (parts.length > 1 && parts.every((p) => p !== null)) {
        const union: MathNode = {
          k: "union",
          items: parts.flatMap((p) => (p.k === "union" ? p.items : [p])),
        };
        return { equal: this.unions(union, pred), method: "set" };
      }
    }
    if (gold.k === "rel" || pred.k === "rel") return { equal: false, method: "relation" };
    if (gold.k === "text" || pred.k === "text") return { equal: textEqual(gold, pred), method: "text" };
    if (hasMatrix(gold) || hasMatrix(pred)) {
      const g = foldMatrices(gold);
      const p = foldMatrices(pred);
      return { equal: g !== null && p !== null && this.matrices(g, p), method: "matrix" };
    }
    if (gold.k === "union" || pred.k === "union") return { equal: this.unions(gold, pred), method: "set" };
    if (gold.k === "seq" || pred.k === "seq") return this.sequences(gold, pred);
    return this.scalars(gold, pred);
  }

  private equal(gold: MathNode, pred: MathNode): boolean {
    return this.compare(gold, pred).equal;
  }

  private sequences(gold: MathNode, pred: MathNode): CompareResult {
    // A lone value and a one-element set are the same answer (Math-Verify wraps scalars as {x}).
    if (gold.k !== "seq") {
      const items = pred.k === "seq" && pred.open !== "[" && pred.open !== "(" ? pred.items : null;
      return { equal: items?.length === 1 && this.equal(gold, items[0]), method: "set" };
    }
    if (pred.k !== "seq") {
      const items = gold.open !== "[" && gold.open !== "(" ? gold.items : null;
      return { equal: items?.length === 1 && this.equal(items[0], pred), method: "set" };
    }
    const setLike = (s: typeof gold) => s.open === "{" || s.open === "";
    const paren = (s: typeof gold) => s.open === "(" && s.close === ")";
    if (setLike(gold)) {
      // Gold set against a set, a bare list or a tuple: order and repeats do not matter.
      if (!setLike(pred) && !paren(pred)) return { equal: false, method: "set" };
      return { equal: this.unordered(this.distinct(gold.items), this.distinct(pred.items)), method: "set" };
    }
    if (gold.items.length !== pred.items.length) return { equal: false, method: "tuple" };
    // A gold tuple accepts a set or bare list in the same order (Math-Verify reads the prediction's
    // elements as written).
    if (paren(gold) && (paren(pred) || setLike(pred))) {
      return {
        equal: this.ordered(gold.items, pred.items),
        method: gold.items.length === 2 ? "interval" : "tuple",
      };
    }
    // Intervals and lists: brackets must match exactly.
    const same = gold.open === pred.open && gold.close === pred.close;
    return { equal: same && this.ordered(gold.items, pred.items), method: "interval" };
  }

  /** Set elements without repeats ({1, 1, 2} = {1, 2}). */
  private distinct(items: MathNode[]): MathNode[] {
    const kept: MathNode[] = [];
    for (const item of items) if (!kept.some((k) => this.equal(k, item))) kept.push(item);
    return kept;
  }

  private ordered(gold: MathNode[], pred: MathNode[]): boolean {
    return gold.length === pred.length && gold.every((g, i) => this.equal(g, pred[i]));
  }

  private unordered(gold: MathNode[], pred: MathNode[]): boolean {
    if (gold.length !== pred.length) return false;
    const used = new Array<boolean>(pred.length).fill(false);
    return gold.every((g) => {
      const j = pred.findIndex((p, i) => !used[i] && this.equal(g, p));
      if (j < 0) return false;
      used[j] = true;
      return true;
    });
  }

  private unions(gold: MathNode, pred: MathNode): boolean {
    if (gold.k !== "union" || pred.k !== "union") return false;
    return this.unordered(gold.items, pred.items);
  }

  private matrices(gold: MathNode, pred: MathNode): boolean {
    if (gold.k !== "matrix" || pred.k !== "matrix") return false;
    if (gold.rows.length !== pred.rows.length || gold.rows[0].length !== pred.rows[0].length) return false;
    return gold.rows.every((row, i) => this.ordered(row, pred.rows[i]));
  }

  private scalars(gold: MathNode, pred: MathNode): CompareResult {
    // Variables are compared over the union of both sides' variables: "x + 1" and "y + 1" differ at
    // random points, while "\sin^2 x + \cos^2 x" and "1" agree everywhere.
    const symbols = freeSymbols(pred, freeSymbols(gold));
    const decimal = isDecimal(gold) || isDecimal(pred);
    const infinite = hasInfinity(gold) || hasInfinity(pred);
    if (symbols.size === 0) {
      try {
        return {
          equal: this.values(evaluate(gold, new Map()), evaluate(pred, new Map()), decimal, infinite),
          method: "numeric",
        };
      } catch (error) {
        if (error instanceof EvaluationError || error instanceof RangeError)
          return { equal: false, method: "numeric" };
        throw error;
      }
    }
    const names = [...symbols].sort();
    let agreed = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const env = samplePoint(names, trial);
      const g = tryEvaluate(gold, env);
      const p = tryEvaluate(pred, env);
      if (g === null && p === null) continue; // both undefined here (a pole): no evidence either way
      if (g === null || p === null || !this.values(g, p, decimal, infinite))
        return { equal: false, method: "symbolic" };
      agreed++;
    }
    return { equal: agreed >= 2, method: "symbolic" };
  }

  /**
   * Value equality. Floats only decide where they can: an overflowed (∞) or huge (> 2^53) float cannot
   * tell n from n + 1, so such values are unequal unless both sides really are ∞ (`infinite`).
   */
  private values(a: Value, b: Value, decimal: boolean, infinite = false): boolean {
    if (isExact(a) && isExact(b)) {
      if (Q.eq(a.q, b.q)) return true;
      return decimal && Q.eq(Q.roundTo(a.q, this.decimals), Q.roundTo(b.q, this.decimals));
    }
    const x = toComplex(a);
    const y = toComplex(b);
    const huge = Math.max(Math.abs(x.re), Math.abs(y.re), Math.abs(x.im), Math.abs(y.im)) > FLOAT_EXACT_LIMIT;
    if (huge && !(infinite && [x.re, y.re, x.im, y.im].some((v) => !Number.isFinite(v)))) return false;
    return this.close(x.re, y.re, decimal) && this.close(x.im, y.im, decimal);
  }

  private close(a: number, b: number, decimal: boolean): boolean {
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
    if (Math.abs(a - b) <= FLOAT_RTOL * Math.max(1, Math.abs(a), Math.abs(b))) return true;
    if (!decimal) return false;
    const scale = 10 ** this.decimals;
    return Math.round(a * scale) === Math.round(b * scale);
  }

  /** Equations and inequalities: the same relation, possibly flipped or scaled by a constant. */
  private relations(gold: MathNode, pred: MathNode): boolean {
    if (gold.k !== "rel" || pred.k !== "rel" || gold.ops.length !== pred.ops.length) return false;
    return gold.ops.every((op, i) =>
      this.relation(op, gold.terms[i], gold.terms[i + 1], pred.ops[i], pred.terms[i], pred.terms[i + 1]),
    );
  }

  private relation(gOp: RelOp, gl: MathNode, gr: MathNode, pOp: RelOp, pl: MathNode, pr: MathNode): boolean {
    const g = canonicalRelation(gOp, gl, gr);
    const p = canonicalRelation(pOp, pl, pr);
    if (!g || !p || g.op !== p.op) return false;
    // lhs − rhs of one must be a constant multiple of the other's (positive for inequalities).
    const symbols = freeSymbols(p.diff, freeSymbols(g.diff));
    if (symbols.size === 0) return this.equal(gr, pr) && this.equal(gl, pl);
    const names = [...symbols].sort();
    let ratio: Value | null = null;
    for (let trial = 0; trial < TRIALS; trial++) {
      const env = samplePoint(names, trial);
      const a = tryEvaluate(g.diff, env);
      const b = tryEvaluate(p.diff, env);
      if (a === null || b === null) return false;
      const bz = isExact(b) ? b.q.n === 0n : b.re === 0 && b.im === 0;
      const az = isExact(a) ? a.q.n === 0n : a.re === 0 && a.im === 0;
      if (az || bz) {
        if (az !== bz) return false;
        continue;
      }
      const r = divideValues(a, b);
      if (ratio === null) {
        ratio = r;
        const x = toComplex(r);
        if (g.op !== "=" && g.op !== "!=" && !(x.re > 0 && x.im === 0)) return false;
      } else if (!this.values(ratio, r, false)) return false;
    }
    return ratio !== null;
  }
}

function tryEvaluate(node: MathNode, env: ReadonlyMap<string, Q.Rational>): Value | null {
  try {
    return evaluate(node, env);
  } catch (error) {
    if (error instanceof EvaluationError || error instanceof RangeError) return null;
    throw error;
  }
}

function canonicalRelation(
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
function relationToSet(rel: Extract<MathNode, { k: "rel" }>): MathNode | null {
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

function textEqual(gold: MathNode, pred: MathNode): boolean {
  const asText = (n: MathNode): string | null => {
    if (n.k === "text") return n.s.replace(/\s+/g, "");
    if (n.k === "sym") return n.name.toLowerCase();
    if (n.k === "mul" && n.args.every((a) => a.k === "sym" || a.k === "const")) {
      return n.args
        .map((a) => (a.k === "sym" ? a.name : a.k === "const" ? a.name : ""))
        .join("")
        .toLowerCase();
    }
    return null;
  };
  const a = asText(gold);
  return a !== null && a === asText(pred);
}
