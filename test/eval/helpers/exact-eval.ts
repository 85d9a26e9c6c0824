/**
 * An exact rational evaluator for checking generated problems independently of the generators:
 * integers, + - * / ^, parentheses and unary minus, in BigInt fractions.
 */

export interface Exact {
  n: bigint;
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function make(n: bigint, d: bigint): Exact {
  if (d === 0n) throw new Error("division by zero");
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

export function exactEval(text: string): Exact {
  const tokens = text.replace(/\s+/g, "").match(/\d+|[-+*/^()]/g) ?? [];
  if (tokens.join("") !== text.replace(/\s+/g, "")) throw new Error(`unexpected characters in ${text}`);
  let at = 0;
  const atom = (): Exact => {
    const token = tokens[at++];
    if (token === "-") {
      const v = atom();
      return make(-v.n, v.d);
    }
    if (token === "(") {
      const v = sum();
      if (tokens[at++] !== ")") throw new Error("unbalanced");
      return v;
    }
    if (token !== undefined && /^\d+$/.test(token)) return make(BigInt(token), 1n);
    throw new Error(`unexpected ${token} in ${text}`);
  };
  const power = (): Exact => {
    const base = atom();
    if (tokens[at] !== "^") return base;
    at++;
    const exponent = atom();
    return make(base.n ** exponent.n, base.d ** exponent.n);
  };
  const product = (): Exact => {
    let v = power();
    while (tokens[at] === "*" || tokens[at] === "/") {
      const op = tokens[at++];
      const r = power();
      v = op === "*" ? make(v.n * r.n, v.d * r.d) : make(v.n * r.d, v.d * r.n);
    }
    return v;
  };
  const sum = (): Exact => {
    let v = product();
    while (tokens[at] === "+" || tokens[at] === "-") {
      const op = tokens[at++];
      const r = product();
      v = op === "+" ? make(v.n * r.d + r.n * v.d, v.d * r.d) : make(v.n * r.d - r.n * v.d, v.d * r.d);
    }
    return v;
  };
  const value = sum();
  if (at !== tokens.length) throw new Error(`trailing tokens in ${text}`);
  return value;
}

export function formatExact(v: Exact): string {
  return v.d === 1n ? String(v.n) : `${v.n}/${v.d}`;
}
