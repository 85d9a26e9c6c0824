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

/** Charges the big-integer work of an operation on `a` and `b` (quadratic in their size). */
function charge(budget: WorkBudget, a: Rational, b: Rational, times = 1): void {
  // Below 2^53 every operand is one machine word: a flat charge, no size measurement.
  if (Q.isSmall(a) && Q.isSmall(b)) budget.spend(times);
  else budget.spendBits(Math.max(Q.bitSize(a), Q.bitSize(b)), times);
}

/** Newton steps an exact root may take, as charged: it converges quadratically from a close guess. */
const ROOT_STEPS = 32;

/** A finished exact result, or a lost float when it is too large to keep exact. */
function exact(q: Rational): Value {
  return Q.tooBig(q) ? float(Q.toNumber(q), 0, Number.POSITIVE_INFINITY, true) : { q };
}

function add(a: Value, b: Value, budget: WorkBudget): Value {
  if (isExact(a) && isExact(b)) {
    charge(budget, a.q, b.q);
    return exact(Q.add(a.q, b.q));
  }
  return addF(toComplex(a), toComplex(b));
}

function mul(a: Value, b: Value, budget: WorkBudget): Value {
  if (isExact(a) && isExact(b)) {
    charge(budget, a.q, b.q);
    return exact(Q.mul(a.q, b.q));
  }
  return mulF(toComplex(a), toComplex(b));
}

function pow(a: Value, b: Value, budget: WorkBudget): Value {
  if (isExact(a) && isExact(b)) {
    const { n, d } = b.q;
    if (a.q.n === 0n && n < 0n) throw new EvaluationError("division by zero");
    if (d === 1n) {
      const r = Q.powInt(a.q, n);
      if (r) {
        charge(budget, r, r);
        return { q: r };
      }
    } else if (d <= MAX_EXACT_ROOT) {
      charge(budget, a.q, a.q, ROOT_STEPS);
      const base = Q.root(a.q, Number(d));
      if (base) {
        const r = Q.powInt(base, n);
        if (r) {
          charge(budget, r, r);
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
    charge(budget, a.q, a.q);
    return { q: Q.rat(a.q.d, a.q.n) };
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
    budget.spend(1);
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
      charge(budget, r, nv.q);
      r = Q.div(Q.mul(r, Q.sub(nv.q, Q.rat(i))), Q.rat(i + 1n));
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
    budget.spend(1);
  }
  return { q: Q.rat(r) };
}

function gcdOf(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** gcd and lcm of integers, as SymPy's `gcd(12, 18)` = 6 and `lcm(4, 6)` = 12. */
function gcdLcm(name: "gcd" | "lcm", args: Value[], budget: WorkBudget): Value {
  const ints = args.map((v) => {
    if (!isExact(v) || v.q.d !== 1n) throw new EvaluationError(`${name} of a non-integer`);
    charge(budget, v.q, v.q);
    return v.q.n;
  });
  const r = ints.reduce((a, b) => {
    if (name === "gcd") return gcdOf(a, b);
    const g = gcdOf(a, b);
    return g === 0n ? 0n : ((a < 0n ? -a : a) / g) * (b < 0n ? -b : b);
  });
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

/** Quadrature points per integral, as charged to the budget (integrate.ts evaluates this many). */
const QUADRATURE_COST = 20;

/** `integral(body, x, a, b)`: ∫_a^b body dx, numerically. */
function integral(args: MathNode[], env: ReadonlyMap<string, Rational>, budget: WorkBudget): Value {
  const [body, variable, lo, hi] = args;
  if (variable.k !== "sym") throw new EvaluationError("bad integration variable");
  const a = real(evaluate(lo, env, budget), "integral bound").re;
  const b = real(evaluate(hi, env, budget), "integral bound").re;
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new EvaluationError("improper integral");
  budget.spend(QUADRATURE_COST);
  const inner = new Map(env);
  return quadrature(
    integrate(
      (x) => {
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
