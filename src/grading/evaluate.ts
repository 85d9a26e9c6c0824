/**
 * Evaluation of a scalar MathNode: exact rationals while the arithmetic allows (+, −, ×, ÷, integer
 * powers, perfect roots), complex floats after that (π, √2, sin). Exactness is what lets "2^100" and
 * "2^100 + 1" differ, and what makes polynomial identities provable at random rational points.
 */

import { integrate } from "./integrate.ts";
import type { MathNode } from "./math-ast.ts";
import type { Rational } from "./rational.ts";
import * as Q from "./rational.ts";

export type Value = { q: Rational } | { re: number; im: number };

export class EvaluationError extends Error {}

/** Largest n for an exact n! (bigger factorials are not answers, they are attacks). */
const MAX_FACTORIAL = 1000n;
/** Largest root index computed exactly (√, ∛, …). */
const MAX_EXACT_ROOT = 64n;

export function isExact(v: Value): v is { q: Rational } {
  return "q" in v;
}

export function toComplex(v: Value): { re: number; im: number } {
  return isExact(v) ? { re: Q.toNumber(v.q), im: 0 } : v;
}

const c = (re: number, im = 0): Value => ({ re, im });

function add(a: Value, b: Value): Value {
  if (isExact(a) && isExact(b)) return { q: Q.add(a.q, b.q) };
  const x = toComplex(a);
  const y = toComplex(b);
  return c(x.re + y.re, x.im + y.im);
}

function mul(a: Value, b: Value): Value {
  if (isExact(a) && isExact(b)) {
    const q = Q.mul(a.q, b.q);
    return Q.tooBig(q) ? c(Q.toNumber(a.q) * Q.toNumber(b.q)) : { q };
  }
  const x = toComplex(a);
  const y = toComplex(b);
  // 0·∞ stays NaN on purpose: it is not a value to compare.
  return c(x.re * y.re - x.im * y.im, x.im ? x.re * y.im + x.im * y.re : x.re * y.im);
}

function cpow(x: { re: number; im: number }, y: { re: number; im: number }): Value {
  if (x.im === 0 && y.im === 0 && (x.re >= 0 || Number.isInteger(y.re))) return c(x.re ** y.re);
  if (x.re === 0 && x.im === 0) return c(0);
  const logAbs = Math.log(Math.hypot(x.re, x.im));
  const arg = Math.atan2(x.im, x.re);
  const re = y.re * logAbs - y.im * arg;
  const im = y.im * logAbs + y.re * arg;
  const scale = Math.exp(re);
  return c(scale * Math.cos(im), scale * Math.sin(im));
}

function pow(a: Value, b: Value): Value {
  if (isExact(a) && isExact(b)) {
    const { n, d } = b.q;
    if (a.q.n === 0n && (n < 0n || (n === 0n && d === 1n))) {
      if (n < 0n) throw new EvaluationError("division by zero");
    }
    if (d === 1n) {
      const r = Q.powInt(a.q, n);
      if (r) return { q: r };
    } else if (d <= MAX_EXACT_ROOT) {
      const base = Q.root(a.q, Number(d));
      if (base) {
        const r = Q.powInt(base, n);
        if (r) return { q: r };
      }
    }
  }
  return cpow(toComplex(a), toComplex(b));
}

function inverse(a: Value): Value {
  if (isExact(a)) {
    if (a.q.n === 0n) throw new EvaluationError("division by zero");
    return { q: Q.rat(a.q.d, a.q.n) };
  }
  const den = a.re * a.re + a.im * a.im;
  if (den === 0) throw new EvaluationError("division by zero");
  return c(a.re / den, -a.im / den);
}

/** a / b; throws EvaluationError on division by zero. */
export function divideValues(a: Value, b: Value): Value {
  return mul(a, inverse(b));
}

function real(v: Value, what: string): number {
  const x = toComplex(v);
  if (x.im !== 0) throw new EvaluationError(`${what} of a complex number`);
  return x.re;
}

function factorial(v: Value): Value {
  if (!isExact(v) || v.q.d !== 1n || v.q.n < 0n || v.q.n > MAX_FACTORIAL)
    throw new EvaluationError("bad factorial");
  let r = 1n;
  for (let i = 2n; i <= v.q.n; i++) r *= i;
  return { q: Q.rat(r) };
}

function binom(nv: Value, kv: Value): Value {
  if (!isExact(nv) || !isExact(kv) || kv.q.d !== 1n) throw new EvaluationError("bad binomial");
  if (nv.q.d !== 1n) {
    // A symbolic top ("\binom{n}{2}" at a sample point): n(n−1)…(n−k+1)/k!, as SymPy expands it.
    if (kv.q.n < 0n || kv.q.n > MAX_FACTORIAL) throw new EvaluationError("bad binomial");
    let r = Q.ONE;
    for (let i = 0n; i < kv.q.n; i++) r = Q.div(Q.mul(r, Q.sub(nv.q, Q.rat(i))), Q.rat(i + 1n));
    return { q: r };
  }
  const n = nv.q.n;
  const k = kv.q.n;
  if (k < 0n || k > n) return { q: Q.ZERO };
  if (n > MAX_FACTORIAL * 10n) throw new EvaluationError("binomial too large");
  let r = 1n;
  // biome-ignore lint/complexity/useMathMinMax: bigint operands; Math.min takes numbers only.
  const steps = k < n - k ? k : n - k;
  for (let i = 0n; i < steps; i++) r = (r * (n - i)) / (i + 1n);
  return { q: Q.rat(r) };
}

function gcdOf(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** gcd and lcm of integers, as SymPy's `gcd(12, 18)` = 6 and `lcm(4, 6)` = 12. */
function gcdLcm(name: "gcd" | "lcm", args: Value[]): Value {
  const ints = args.map((v) => {
    if (!isExact(v) || v.q.d !== 1n) throw new EvaluationError(`${name} of a non-integer`);
    return v.q.n;
  });
  const r = ints.reduce((a, b) => {
    if (name === "gcd") return gcdOf(a, b);
    const g = gcdOf(a, b);
    return g === 0n ? 0n : ((a < 0n ? -a : a) / g) * (b < 0n ? -b : b);
  });
  return { q: Q.rat(r) };
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

function callFunction(name: string, args: Value[]): Value {
  const [x] = args;
  switch (name) {
    case "sqrt":
      return pow(x, { q: Q.rat(1n, 2n) });
    case "root":
      return pow(x, inverse(args[1]));
    case "abs":
      if (isExact(x)) return { q: Q.rat(x.q.n < 0n ? -x.q.n : x.q.n, x.q.d) };
      return c(Math.hypot(x.re, x.im));
    case "floor":
    case "ceil": {
      if (!isExact(x)) return c(name === "floor" ? Math.floor(real(x, name)) : Math.ceil(real(x, name)));
      const f = x.q.n / x.q.d - (x.q.n < 0n && x.q.n % x.q.d !== 0n ? 1n : 0n);
      return { q: Q.rat(name === "floor" || x.q.d === 1n ? f : f + 1n) };
    }
    case "factorial":
      return factorial(x);
    case "binom":
      return binom(x, args[1]);
    case "gcd":
    case "lcm":
      return gcdLcm(name, args);
    case "ln":
    case "log": {
      const value = real(x, name);
      if (value <= 0) throw new EvaluationError("log of a non-positive number");
      // \log is the natural logarithm, as in SymPy and latex2sympy; \log_b x uses base b.
      return args[1] ? c(Math.log(value) / Math.log(real(args[1], "log base"))) : c(Math.log(value));
    }
    default: {
      const f = REAL_FUNCTIONS[name];
      if (!f) throw new EvaluationError(`unknown function ${name}`);
      return c(f(real(x, name)));
    }
  }
}

/** `integral(body, x, a, b)`: ∫_a^b body dx, numerically. */
function integral(args: MathNode[], env: ReadonlyMap<string, Rational>): Value {
  const [body, variable, lo, hi] = args;
  if (variable.k !== "sym") throw new EvaluationError("bad integration variable");
  const a = real(evaluate(lo, env), "integral bound");
  const b = real(evaluate(hi, env), "integral bound");
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new EvaluationError("improper integral");
  const inner = new Map(env);
  return c(
    integrate(
      (x) => {
        inner.set(variable.name, x);
        return real(evaluate(body, inner), "integrand");
      },
      a,
      b,
    ),
  );
}

/** Evaluates a scalar node, with `env` giving each free variable's value. */
export function evaluate(node: MathNode, env: ReadonlyMap<string, Rational>): Value {
  switch (node.k) {
    case "num":
      return { q: node.v };
    case "sym": {
      const v = env.get(node.name);
      if (!v) throw new EvaluationError(`unbound variable ${node.name}`);
      return { q: v };
    }
    case "const":
      if (node.name === "pi") return c(Math.PI);
      if (node.name === "e") return c(Math.E);
      if (node.name === "i") return c(0, 1);
      return c(Number.POSITIVE_INFINITY);
    case "add":
      return node.args.reduce<Value>((acc, x) => add(acc, evaluate(x, env)), { q: Q.ZERO });
    case "mul":
      return node.args.reduce<Value>((acc, x) => mul(acc, evaluate(x, env)), { q: Q.ONE });
    case "pow": {
      const exp = evaluate(node.exp, env);
      const base = evaluate(node.base, env);
      if (isExact(exp) && exp.q.n === -1n && exp.q.d === 1n) return inverse(base);
      return pow(base, exp);
    }
    case "fn":
      if (node.name === "integral") return integral(node.args, env);
      return callFunction(
        node.name,
        node.args.map((a) => evaluate(a, env)),
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

/** Points at which expressions are compared: distinct, non-special rationals (not 0, 1, or small ints). */
const NUMERATORS = [13n, 29n, 47n, 71n, 97n, 113n, 139n, 163n];
const DENOMINATORS = [11n, 17n, 23n, 31n, 37n, 41n, 43n];

export function samplePoint(symbols: readonly string[], trial: number): Map<string, Rational> {
  const env = new Map<string, Rational>();
  symbols.forEach((name, j) => {
    const n = NUMERATORS[(j * 3 + trial) % NUMERATORS.length];
    const d = DENOMINATORS[(j + 2 * trial) % DENOMINATORS.length];
    env.set(name, Q.rat(trial % 2 === 1 ? -n : n, d));
  });
  return env;
}
