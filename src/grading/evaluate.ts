/**
 * Evaluation of a scalar MathNode: exact rationals while the arithmetic allows (+, −, ×, ÷, integer
 * powers, perfect roots), error-tracked complex floats after that (π, √2, sin; `float-value.ts`).
 * Exactness is what lets "2^100" and "2^100 + 1" differ, and what makes polynomial identities provable
 * at random rational points. Every node and every big-integer operation is charged to a WorkBudget, so
 * no answer can make evaluation run long ("\frac{1}{2}+\frac{1}{3}+\frac{1}{5}+…" grows its
 * denominator with every term).
 */

import {
  addF,
  applyReal,
  constant,
  type Float,
  float,
  fromRational,
  inverseF,
  mulF,
  powF,
  quadrature,
} from "./float-value.ts";
import { integrate } from "./integrate.ts";
import type { MathNode } from "./math-ast.ts";
import type { Rational } from "./rational.ts";
import * as Q from "./rational.ts";
import { WorkBudget } from "./work-budget.ts";

export type Value = { q: Rational } | Float;

export class EvaluationError extends Error {}

/** Largest n for an exact n! (bigger factorials are not answers, they are attacks). */
const MAX_FACTORIAL = 1000n;
/** Largest root index computed exactly (√, ∛, …). */
const MAX_EXACT_ROOT = 64n;
/** Work units charged per node visited. */
const NODE_COST = 1;

export function isExact(v: Value): v is { q: Rational } {
  return "q" in v;
}

/** The value as an error-tracked float (exact values are rounded, or marked lost when out of range). */
export function toComplex(v: Value): Float {
  return isExact(v) ? fromRational(v.q) : v;
}

/**
 * Charges the big-integer work of an operation on `a` and `b`: its products (WorkBudget.spendProduct),
 * plus the Euclid steps it took to reduce the result (read from Q.gcdMeter, which `since` holds from
 * before the operation).
 */
function charge(budget: WorkBudget, a: Rational, b: Rational, since: number, times = 1): void {
  // Below 2^53 every operand is one machine word: a flat charge, no size measurement.
  if (Q.isSmall(a) && Q.isSmall(b)) budget.spend(times);
  else budget.spendProduct(Math.max(Q.bitSize(a), Q.bitSize(b)), times);
  budget.spend((Q.gcdMeter.work - since) * GCD_STEP_COST);
}
/** Units per word of a Euclid step (a BigInt `%` and its allocation). */
const GCD_STEP_COST = 0.5;
/** Work units per quadrature point (converting it to a rational and evaluating around it). */
const QUADRATURE_POINT_COST = 8;

/** Newton steps an exact root may take, as charged: it converges quadratically from a close guess. */
const ROOT_STEPS = 32;

/** A finished exact result, or a lost float when it is too large to keep exact. */
function exact(q: Rational): Value {
  return Q.tooBig(q) ? float(Q.toNumber(q), 0, Number.POSITIVE_INFINITY, true) : { q };
}

function add(a: Value, b: Value, budget: WorkBudget): Value {
  if (isExact(a) && isExact(b)) {
    // A sum of integers is linear in their size; of fractions, a product and a gcd.
    if (a.q.d === 1n && b.q.d === 1n) {
      budget.spend(1 + Math.max(Q.bits(a.q.n), Q.bits(b.q.n)) / 64);
      return exact(Q.add(a.q, b.q));
    }
    const since = Q.gcdMeter.work;
    const sum = Q.add(a.q, b.q);
    charge(budget, a.q, b.q, since);
    return exact(sum);
  }
  return addF(toComplex(a), toComplex(b));
}

/** An exact zero against a float that is finite in truth (a lost one was a finite exact value). */
const zeroTimesFinite = (zero: Value, other: Value) =>
  isExact(zero) &&
  zero.q.n === 0n &&
  !isExact(other) &&
  (other.lost || (Number.isFinite(other.re) && Number.isFinite(other.im)));

function mul(a: Value, b: Value, budget: WorkBudget): Value {
  // Zero times any finite value is exactly zero, even one too large or small to hold ("0 · 10^{-20000}").
  if (zeroTimesFinite(a, b)) return a;
  if (zeroTimesFinite(b, a)) return b;
  if (isExact(a) && isExact(b)) {
    const since = Q.gcdMeter.work;
    const product = Q.mul(a.q, b.q);
    charge(budget, a.q, b.q, since);
    return exact(product);
  }
  return mulF(toComplex(a), toComplex(b));
}

function pow(a: Value, b: Value, budget: WorkBudget): Value {
  if (isExact(a) && isExact(b)) {
    const { n, d } = b.q;
    if (a.q.n === 0n && n < 0n) throw new EvaluationError("division by zero");
    const since = Q.gcdMeter.work;
    if (d === 1n) {
      const r = Q.powInt(a.q, n);
      if (r) {
        // Square-and-multiply: about log2 |n| products of the result's size.
        charge(budget, r, r, since, Math.log2(Math.abs(Number(n)) + 1) + 1);
        return { q: r };
      }
    } else if (d <= MAX_EXACT_ROOT) {
      charge(budget, a.q, a.q, since, ROOT_STEPS);
      const base = Q.root(a.q, Number(d));
      if (base) {
        const r = Q.powInt(base, n);
        if (r) {
          charge(budget, r, r, Q.gcdMeter.work);
          return { q: r };
        }
      }
    }
  }
  return powF(toComplex(a), toComplex(b));
}

function inverse(a: Value, budget: WorkBudget): Value {
  if (isExact(a)) {
    if (a.q.n === 0n) throw new EvaluationError("division by zero");
    budget.spend(1);
    // The reciprocal of a reduced fraction is reduced: only the sign moves.
    return { q: a.q.n < 0n ? { n: -a.q.d, d: -a.q.n } : { n: a.q.d, d: a.q.n } };
  }
  const r = inverseF(a);
  if (r === null) throw new EvaluationError("division by zero");
  return r;
}

/** a / b; throws EvaluationError on division by zero. */
export function divideValues(a: Value, b: Value, budget: WorkBudget = new WorkBudget()): Value {
  return mul(a, inverse(b, budget), budget);
}

function real(v: Value, what: string): Float {
  const x = toComplex(v);
  if (x.im !== 0) throw new EvaluationError(`${what} of a complex number`);
  return x;
}

function factorial(v: Value, budget: WorkBudget): Value {
  if (!isExact(v) || v.q.d !== 1n || v.q.n < 0n || v.q.n > MAX_FACTORIAL)
    throw new EvaluationError("bad factorial");
  let r = 1n;
  for (let i = 2n; i <= v.q.n; i++) {
    r *= i;
    budget.spend(1 + Q.bits(r) / 64);
  }
  return { q: Q.rat(r) };
}

function binom(nv: Value, kv: Value, budget: WorkBudget): Value {
  if (!isExact(nv) || !isExact(kv) || kv.q.d !== 1n) throw new EvaluationError("bad binomial");
  if (nv.q.d !== 1n) {
    // A symbolic top ("\binom{n}{2}" at a sample point): n(n−1)…(n−k+1)/k!, as SymPy expands it.
    if (kv.q.n < 0n || kv.q.n > MAX_FACTORIAL) throw new EvaluationError("bad binomial");
    let r = Q.ONE;
    for (let i = 0n; i < kv.q.n; i++) {
      const since = Q.gcdMeter.work;
      r = Q.div(Q.mul(r, Q.sub(nv.q, Q.rat(i))), Q.rat(i + 1n));
      charge(budget, r, nv.q, since);
    }
    return { q: r };
  }
  const n = nv.q.n;
  const k = kv.q.n;
  if (k < 0n || k > n) return { q: Q.ZERO };
  if (n > MAX_FACTORIAL * 10n) throw new EvaluationError("binomial too large");
  let r = 1n;
  // biome-ignore lint/complexity/useMathMinMax: bigint operands; Math.min takes numbers only.
  const steps = k < n - k ? k : n - k;
  for (let i = 0n; i < steps; i++) {
    r = (r * (n - i)) / (i + 1n);
    budget.spend(1 + Q.bits(r) / 32);
  }
  return { q: Q.rat(r) };
}

/** gcd and lcm of integers, as SymPy's `gcd(12, 18)` = 6 and `lcm(4, 6)` = 12. */
function gcdLcm(name: "gcd" | "lcm", args: Value[], budget: WorkBudget): Value {
  const ints = args.map((v) => {
    if (!isExact(v) || v.q.d !== 1n) throw new EvaluationError(`${name} of a non-integer`);
    return v.q.n;
  });
  const since = Q.gcdMeter.work;
  const r = ints.reduce((a, b) => {
    if (name === "gcd") return Q.gcd(a, b);
    const g = Q.gcd(a, b);
    return g === 0n ? 0n : ((a < 0n ? -a : a) / g) * (b < 0n ? -b : b);
  });
  budget.spend(args.length + (Q.gcdMeter.work - since) * GCD_STEP_COST);
  return exact(Q.rat(r));
}

const REAL_FUNCTIONS: Record<string, (x: number) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  cot: (x) => 1 / Math.tan(x),
  sec: (x) => 1 / Math.cos(x),
  csc: (x) => 1 / Math.sin(x),
  arcsin: Math.asin,
  arccos: Math.acos,
  arctan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  exp: Math.exp,
};

function callFunction(name: string, args: Value[], budget: WorkBudget): Value {
  const [x] = args;
  switch (name) {
    case "sqrt":
      return pow(x, { q: Q.rat(1n, 2n) }, budget);
    case "root":
      return pow(x, inverse(args[1], budget), budget);
    case "abs":
      if (isExact(x)) return { q: Q.rat(x.q.n < 0n ? -x.q.n : x.q.n, x.q.d) };
      return float(Math.hypot(x.re, x.im), 0, x.err, x.lost);
    case "floor":
    case "ceil": {
      if (!isExact(x)) {
        const v = real(x, name);
        const round = name === "floor" ? Math.floor : Math.ceil;
        // Within its error of an integer, a float cannot say which side it is on.
        const unsure = round(v.re - v.err) !== round(v.re + v.err);
        return float(round(v.re), 0, unsure ? 1 : 0, v.lost);
      }
      const f = x.q.n / x.q.d - (x.q.n < 0n && x.q.n % x.q.d !== 0n ? 1n : 0n);
      return { q: Q.rat(name === "floor" || x.q.d === 1n ? f : f + 1n) };
    }
    case "factorial":
      return factorial(x, budget);
    case "binom":
      return binom(x, args[1], budget);
    case "gcd":
    case "lcm":
      return gcdLcm(name, args, budget);
    case "ln":
    case "log": {
      const value = real(x, name);
      if (value.re <= 0) throw new EvaluationError("log of a non-positive number");
      // \log is the natural logarithm, as in SymPy and latex2sympy; \log_b x uses base b.
      const ln = applyReal(Math.log, value);
      if (!args[1]) return ln;
      const base = applyReal(Math.log, real(args[1], "log base"));
      const inv = inverseF(base);
      if (inv === null) throw new EvaluationError("log base 1");
      return mulF(ln, inv);
    }
    default: {
      const f = REAL_FUNCTIONS[name];
      if (!f) throw new EvaluationError(`unknown function ${name}`);
      return applyReal(f, real(x, name));
    }
  }
}

/** `integral(body, x, a, b)`: ∫_a^b body dx, numerically. */
function integral(args: MathNode[], env: ReadonlyMap<string, Rational>, budget: WorkBudget): Value {
  const [body, variable, lo, hi] = args;
  if (variable.k !== "sym") throw new EvaluationError("bad integration variable");
  const a = real(evaluate(lo, env, budget), "integral bound").re;
  const b = real(evaluate(hi, env, budget), "integral bound").re;
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new EvaluationError("improper integral");
  const inner = new Map(env);
  return quadrature(
    integrate(
      (x) => {
        budget.spend(QUADRATURE_POINT_COST);
        inner.set(variable.name, x);
        return real(evaluate(body, inner, budget), "integrand").re;
      },
      a,
      b,
    ),
  );
}

/**
 * Evaluates a scalar node, with `env` giving each free variable's value. Throws EvaluationError where
 * the value is undefined, and WorkLimitError when `budget` is spent.
 */
export function evaluate(
  node: MathNode,
  env: ReadonlyMap<string, Rational>,
  budget: WorkBudget = new WorkBudget(),
): Value {
  budget.spend(NODE_COST);
  switch (node.k) {
    case "num":
      return { q: node.v };
    case "sym": {
      const v = env.get(node.name);
      if (!v) throw new EvaluationError(`unbound variable ${node.name}`);
      return { q: v };
    }
    case "const":
      if (node.name === "pi") return constant(Math.PI);
      if (node.name === "e") return constant(Math.E);
      if (node.name === "i") return float(0, 1);
      return float(Number.POSITIVE_INFINITY);
    case "add":
      return node.args.reduce<Value>((acc, x) => add(acc, evaluate(x, env, budget), budget), { q: Q.ZERO });
    case "mul":
      return node.args.reduce<Value>((acc, x) => mul(acc, evaluate(x, env, budget), budget), { q: Q.ONE });
    case "pow": {
      const exp = evaluate(node.exp, env, budget);
      const base = evaluate(node.base, env, budget);
      if (isExact(exp) && exp.q.n === -1n && exp.q.d === 1n) return inverse(base, budget);
      return pow(base, exp, budget);
    }
    case "fn":
      if (node.name === "integral") return integral(node.args, env, budget);
      return callFunction(
        node.name,
        node.args.map((a) => evaluate(a, env, budget)),
        budget,
      );
    default:
      throw new EvaluationError(`not a scalar: ${node.k}`);
  }
}

/** The free variables of a node, sorted. */
export function freeSymbols(node: MathNode, into: Set<string> = new Set()): Set<string> {
  switch (node.k) {
    case "sym":
      into.add(node.name);
      break;
    case "fn":
      if (node.name === "integral") {
        // The integration variable is bound: "\int_0^1 x\,dx" has no free x.
        const [body, variable, ...bounds] = node.args;
        const inBody = freeSymbols(body);
        if (variable.k === "sym") inBody.delete(variable.name);
        for (const name of inBody) into.add(name);
        for (const bound of bounds) freeSymbols(bound, into);
        break;
      }
      for (const a of node.args) freeSymbols(a, into);
      break;
    case "add":
    case "mul":
      for (const a of node.args) freeSymbols(a, into);
      break;
    case "pow":
      freeSymbols(node.base, into);
      freeSymbols(node.exp, into);
      break;
    case "pm":
      freeSymbols(node.a, into);
      freeSymbols(node.b, into);
      break;
    case "seq":
    case "union":
      for (const a of node.items) freeSymbols(a, into);
      break;
    case "matrix":
      for (const row of node.rows) for (const a of row) freeSymbols(a, into);
      break;
    case "rel":
      for (const a of node.terms) freeSymbols(a, into);
      break;
    default:
      break;
  }
  return into;
}
