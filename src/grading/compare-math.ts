/**
 * Equivalence of two parsed answers, cheapest check first: structure (sets, tuples, intervals, matrices,
 * relations) decides what is compared with what; scalars are compared exactly as rationals, then as
 * values at random rational points drawn for this comparison (Schwartz–Zippel: a non-zero polynomial
 * rarely vanishes at several random points), with error-tracked floats only where exactness is
 * impossible (π, √2, sin). Conventions follow Math-Verify: gold decides the shape (`x = 3` vs `3` are
 * equal), sets are unordered, tuples and intervals ordered with brackets that must match, a decimal
 * compares with a rational at 6 places and with an irrational to 15 significant digits (so `\pi` is not
 * `3.14159265`). All work is charged to a WorkBudget.
 */
import {
  divideValues,
  EvaluationError,
  evaluate,
  freeSymbols,
  isExact,
  toComplex,
  type Value,
} from "./evaluate.ts";
import type { MathNode, RelOp } from "./math-ast.ts";
import { foldMatrices } from "./matrix-ops.ts";
import * as Q from "./rational.ts";
import {
  canonicalRelation,
  chainConstants,
  collapseAssignment,
  isAssignment,
  isEquation,
  lastTerm,
  type Relation,
  relationToSet,
} from "./relations.ts";
import { cryptoSource, type RandomSource, randomPoints } from "./sample-points.ts";
import { WorkBudget, WorkLimitError } from "./work-budget.ts";

export interface CompareOptions {
  /** Decimal places at which a decimal answer is compared (Math-Verify's float_rounding). Default 6. */
  decimals?: number;
  /** The work this comparison may do. Default: a fresh WorkBudget. */
  budget?: WorkBudget;
  /** Where sample points come from. Default: fresh cryptographic randomness per comparison. */
  random?: RandomSource;
}

export interface CompareResult {
  equal: boolean;
  /** Which comparison decided: numeric, symbolic, set, tuple, interval, matrix, relation, text. */
  method: string;
}

/** Random points per symbolic comparison; all must agree (where both sides are defined). */
const TRIALS = 6;
/** Points where both sides must be defined and agree for expressions to be equal. */
const MIN_AGREEING = 3;
/**
 * Relative agreement two floats need beyond their tracked error: Math-Verify's numeric_precision (15
 * digits) against a decimal literal, a little looser between two computed values (library rounding).
 */
const DECIMAL_RTOL = 1e-15;
const FLOAT_RTOL = 1e-13;
/** A float whose error bound exceeds this share of its size (or 1e-12 near 0) decides nothing. */
const MAX_RELATIVE_ERROR = 1e-6;
const MAX_ABSOLUTE_ERROR = 1e-12;
/** Beyond 2^53 a float no longer tells consecutive integers apart. */
const FLOAT_EXACT_LIMIT = 2 ** 53;
/** Sets up to this size are matched element against element (decimal conventions and all); larger ones by key. */
const PAIRWISE_LIMIT = 64;

export function compareMath(gold: MathNode, pred: MathNode, options: CompareOptions = {}): CompareResult {
  const { decimals = 6, budget = new WorkBudget(), random = cryptoSource() } = options;
  return new Comparer(decimals, budget, random).compare(gold, pred);
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
  constructor(
    private readonly decimals: number,
    private readonly budget: WorkBudget,
    private readonly random: RandomSource,
  ) {}

  compare(gold: MathNode, pred: MathNode): CompareResult {
    this.budget.spend(1);
    // A false equation ("2 + 2 = 5") is a wrong answer whatever its right-hand side says. (An assignment
    // chain "x = 5 + 5 + 1 = 7 = 11" says what its last side says, as in Math-Verify.)
    if (pred.k === "rel" && isEquation(pred) && !isAssignment(pred) && !this.trueChain(pred))
      return { equal: false, method: "relation" };
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
      const g = foldMatrices(gold, this.budget);
      const p = foldMatrices(pred, this.budget);
      return { equal: g !== null && p !== null && this.matrices(g, p), method: "matrix" };
    }
    if (gold.k === "union" || pred.k === "union") return { equal: this.unions(gold, pred), method: "set" };
    if (gold.k === "seq" || pred.k === "seq") return this.sequences(gold, pred);
    return this.scalars(gold, pred);
  }

  private equal(gold: MathNode, pred: MathNode): boolean {
    return this.compare(gold, pred).equal;
  }

  /** Every constant term of an equation chain has one value ("2 + 2 = 4" yes, "2 + 2 = 5" no). */
  private trueChain(rel: Relation): boolean {
    const constants = chainConstants(rel);
    return constants.every((t, i) => i === 0 || this.equal(constants[i - 1], t));
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

  /**
   * An element's exact value as a string, or null for anything else (expressions, floats, structures):
   * equal keys are equal elements, so large sets match in linear time.
   */
  private exactKey(node: MathNode): string | null {
    if (freeSymbols(node).size > 0 || node.k === "seq" || node.k === "rel" || node.k === "matrix")
      return null;
    const value = tryEvaluate(node, new Map(), this.budget);
    return value !== null && isExact(value) ? Q.toKey(value.q) : null;
  }

  /** Set elements without repeats ({1, 1, 2} = {1, 2}). */
  private distinct(items: MathNode[]): MathNode[] {
    const kept: MathNode[] = [];
    if (items.length <= PAIRWISE_LIMIT) {
      for (const item of items) if (!kept.some((k) => this.equal(k, item))) kept.push(item);
      return kept;
    }
    // Large sets: repeats of one exact value go; other elements stay as written.
    const seen = new Set<string>();
    for (const item of items) {
      const key = this.exactKey(item);
      if (key !== null && seen.has(key)) continue;
      if (key !== null) seen.add(key);
      kept.push(item);
    }
    return kept;
  }

  private ordered(gold: MathNode[], pred: MathNode[]): boolean {
    return gold.length === pred.length && gold.every((g, i) => this.equal(g, pred[i]));
  }

  private unordered(gold: MathNode[], pred: MathNode[]): boolean {
    if (gold.length !== pred.length) return false;
    if (gold.length > PAIRWISE_LIMIT) return this.unorderedByKey(gold, pred);
    return this.matchPairwise(gold, pred);
  }

  /** Each gold element takes the first unused equal prediction. */
  private matchPairwise(gold: MathNode[], pred: MathNode[]): boolean {
    const used = new Array<boolean>(pred.length).fill(false);
    return gold.every((g) => {
      const j = pred.findIndex((p, i) => !used[i] && this.equal(g, p));
      if (j < 0) return false;
      used[j] = true;
      return true;
    });
  }

  /**
   * Large sets: pair elements with the same exact value, then match what is left pair by pair, as long
   * as that is a small remainder (otherwise they are not shown equal: a false negative on an answer no
   * one writes, never a false positive).
   */
  private unorderedByKey(gold: MathNode[], pred: MathNode[]): boolean {
    const byKey = new Map<string, MathNode[]>();
    const restPred: MathNode[] = [];
    for (const p of pred) {
      const key = this.exactKey(p);
      const bucket = key === null ? undefined : byKey.get(key);
      if (key === null) restPred.push(p);
      else if (bucket) bucket.push(p);
      else byKey.set(key, [p]);
    }
    const restGold: MathNode[] = [];
    for (const g of gold) {
      const key = this.exactKey(g);
      const bucket = key === null ? undefined : byKey.get(key);
      if (bucket && bucket.length > 0) bucket.pop();
      else restGold.push(g);
    }
    for (const bucket of byKey.values()) restPred.push(...bucket);
    if (restGold.length !== restPred.length || restGold.length > PAIRWISE_LIMIT) return false;
    return this.matchPairwise(restGold, restPred);
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
    if (symbols.size === 0) {
      const g = tryEvaluate(gold, new Map(), this.budget);
      const p = tryEvaluate(pred, new Map(), this.budget);
      return { equal: g !== null && p !== null && this.values(g, p, decimal), method: "numeric" };
    }
    let agreed = 0;
    for (const env of randomPoints([...symbols].sort(), TRIALS, this.random)) {
      const g = tryEvaluate(gold, env, this.budget);
      const p = tryEvaluate(pred, env, this.budget);
      if (g === null && p === null) continue; // both undefined here (a pole): no evidence either way
      if (g === null || p === null || !this.values(g, p, decimal))
        return { equal: false, method: "symbolic" };
      agreed++;
    }
    return { equal: agreed >= MIN_AGREEING, method: "symbolic" };
  }

  /**
   * Value equality. Exact values compare exactly (a decimal literal against a rational at `decimals`
   * places). Floats decide only where their tracked error is small: never when a finite value
   * over- or underflowed (`lost`: ∞ is not 10^400, 0 is not 10^-20000), never against an exact value
   * beyond 2^53, and against a decimal literal only to 15 significant digits (Math-Verify's precision).
   */
  private values(a: Value, b: Value, decimal: boolean): boolean {
    if (isExact(a) && isExact(b)) {
      if (Q.eq(a.q, b.q)) return true;
      return decimal && Q.eq(Q.roundTo(a.q, this.decimals), Q.roundTo(b.q, this.decimals));
    }
    const x = toComplex(a);
    const y = toComplex(b);
    if (x.lost || y.lost) return false;
    const parts = [x.re, x.im, y.re, y.im];
    if (parts.some(Number.isNaN)) return false;
    if (parts.some((v) => !Number.isFinite(v))) return x.re === y.re && x.im === y.im;
    const size = Math.max(Math.hypot(x.re, x.im), Math.hypot(y.re, y.im));
    // Beyond 2^53 a rounded float cannot tell an exact integer from its neighbour (10^20 + 1 + 0·π).
    if (size > FLOAT_EXACT_LIMIT && (isExact(a) || isExact(b))) return false;
    const err = x.err + y.err;
    if (!(err <= MAX_RELATIVE_ERROR * size + MAX_ABSOLUTE_ERROR)) return false;
    const distance = Math.hypot(x.re - y.re, x.im - y.im);
    return distance <= (decimal ? DECIMAL_RTOL : FLOAT_RTOL) * size + 4 * err;
  }

  /** Equations and inequalities: the same relation, possibly flipped or scaled by a constant. */
  private relations(gold: Relation, pred: Relation): boolean {
    if (gold.ops.length !== pred.ops.length) return false;
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
    let ratio: Value | null = null;
    for (const env of randomPoints([...symbols].sort(), TRIALS, this.random)) {
      const a = tryEvaluate(g.diff, env, this.budget);
      const b = tryEvaluate(p.diff, env, this.budget);
      if (a === null || b === null) return false;
      const bz = isExact(b) ? b.q.n === 0n : b.re === 0 && b.im === 0;
      const az = isExact(a) ? a.q.n === 0n : a.re === 0 && a.im === 0;
      if (az || bz) {
        if (az !== bz) return false;
        continue;
      }
      const r = divideValues(a, b, this.budget);
      if (ratio === null) {
        ratio = r;
        const x = toComplex(r);
        if (g.op !== "=" && g.op !== "!=" && !(x.re > 0 && x.im === 0)) return false;
      } else if (!this.values(ratio, r, false)) return false;
    }
    return ratio !== null;
  }
}

/** The value, or null where it is undefined; a spent budget propagates (WorkLimitError). */
function tryEvaluate(node: MathNode, env: ReadonlyMap<string, Q.Rational>, budget: WorkBudget): Value | null {
  try {
    return evaluate(node, env, budget);
  } catch (error) {
    if (error instanceof WorkLimitError) throw error;
    if (error instanceof EvaluationError || error instanceof RangeError) return null;
    throw error;
  }
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
