/**
 * Exact rationals over BigInt. Grading compares numbers exactly first: floats say 0.1 + 0.2 ≠ 0.3 and
 * cannot tell 2^100 from 2^100 + 1, which is exactly the false positive a grader must not make.
 */

/** A reduced fraction n/d with d > 0. */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

/** Largest exponent we expand exactly; beyond it the bit-size (and the time) would explode. */
const MAX_EXACT_EXPONENT = 1_000_000n;
/**
 * Largest operand size in bits kept exact (10^-20000 is 66,439 bits); bigger results become floats
 * marked lost, which compare equal to nothing. Work on what is kept is charged to a WorkBudget.
 */
const MAX_EXACT_BITS = 100_000;

/**
 * Euclid's steps taken so far, each weighted by its operands' size in machine words: a meter the
 * evaluator reads before and after an operation to charge its WorkBudget for the gcds inside it
 * (they are most of the cost of exact arithmetic). Only ever read as a difference.
 */
export const gcdMeter = { work: 0 };

/** Words of work per Euclid step beyond the first: each `%` is linear in its operand's size. */
const WORDS_PER_STEP = 64;

/** The greatest common divisor of |a| and |b|, metered. */
export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  if (b === 0n || a === 1n || b === 1n) return b === 0n ? a : 1n;
  const words = 1 + Math.max(bits(a), bits(b)) / WORDS_PER_STEP;
  let steps = 0;
  while (b !== 0n) {
    [a, b] = [b, a % b];
    steps++;
  }
  gcdMeter.work += steps * words;
  return a;
}

export function rat(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new RangeError("division by zero");
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g === 1n || g === 0n ? { n, d } : { n: n / g, d: d / g };
}

export const ZERO = rat(0n);
export const ONE = rat(1n);

/**
 * a + b of reduced fractions, with the gcds taken of the small parts (Knuth, TAOCP 4.5.1): coprime
 * denominators need none at all ("\frac{1}{2}+\frac{1}{3}+\frac{1}{5}+…"), and an integer plus a
 * fraction is reduced already.
 */
export function add(a: Rational, b: Rational): Rational {
  if (a.d === 1n && b.d === 1n) return { n: a.n + b.n, d: 1n };
  if (a.d === 1n) return { n: a.n * b.d + b.n, d: b.d };
  if (b.d === 1n) return { n: a.n + b.n * a.d, d: a.d };
  const d1 = gcd(a.d, b.d);
  if (d1 === 1n) return { n: a.n * b.d + b.n * a.d, d: a.d * b.d };
  const t = a.n * (b.d / d1) + b.n * (a.d / d1);
  const d2 = gcd(t, d1);
  return { n: t / d2, d: (a.d / d1) * (b.d / d2) };
}

export function sub(a: Rational, b: Rational): Rational {
  return add(a, { n: -b.n, d: b.d });
}

/** a × b of reduced fractions, cancelling crosswise first (Knuth): gcds of the factors, not the product. */
export function mul(a: Rational, b: Rational): Rational {
  // Integers need no gcd (the expensive part on big operands).
  if (a.d === 1n && b.d === 1n) return { n: a.n * b.n, d: 1n };
  const g1 = gcd(a.n, b.d);
  const g2 = gcd(b.n, a.d);
  if (g1 === 0n || g2 === 0n) return ZERO;
  return { n: (a.n / g1) * (b.n / g2), d: (a.d / g2) * (b.d / g1) };
}

export function div(a: Rational, b: Rational): Rational {
  if (b.n === 0n) throw new RangeError("division by zero");
  return mul(a, b.n < 0n ? { n: -b.d, d: -b.n } : { n: b.d, d: b.n });
}

export function eq(a: Rational, b: Rational): boolean {
  return a.n === b.n && a.d === b.d;
}

export function isInteger(a: Rational): boolean {
  return a.d === 1n;
}

/** Bit length of |x| (exact below 2^53, within 3 bits above). */
export function bits(x: bigint): number {
  const abs = x < 0n ? -x : x;
  if (abs < 9007199254740992n) return abs === 0n ? 0 : Math.floor(Math.log2(Number(abs))) + 1;
  // Below 2^1000 the float conversion is cheap and close enough; beyond, count hex digits.
  const approx = Number(abs);
  if (approx < 2 ** 1000) return Math.floor(Math.log2(approx)) + 1;
  return abs.toString(16).length * 4;
}

const SMALL = 9007199254740992n;

/** Numerator and denominator both below 2^53: arithmetic on it costs one machine word. */
export function isSmall(a: Rational): boolean {
  return a.n < SMALL && a.n > -SMALL && a.d < SMALL;
}

/** Size in bits of the larger of numerator and denominator. */
export function bitSize(a: Rational): number {
  return Math.max(bits(a.n), bits(a.d));
}

/** Too large to keep exact (guards pathological inputs such as 10^10^10). */
export function tooBig(a: Rational): boolean {
  return bits(a.n) + bits(a.d) > MAX_EXACT_BITS;
}

/** a^k for an integer k, or null when the result would be too large to be worth keeping exact. */
export function powInt(a: Rational, k: bigint): Rational | null {
  if (k < 0n) {
    if (a.n === 0n) return null;
    const inv = rat(a.d, a.n);
    return powInt(inv, -k);
  }
  if (k > MAX_EXACT_EXPONENT) return a.n === 0n || (a.n === a.d && a.d === 1n) ? a : null;
  // Size of the result: k · log2(|n|·d) bits.
  const log2 = (x: bigint) => {
    const v = Math.log2(Math.abs(Number(x)));
    return Number.isFinite(v) ? Math.max(v, 0) : bits(x);
  };
  if ((log2(a.n) + log2(a.d)) * Number(k) > MAX_EXACT_BITS) return null;
  // Powers of a reduced fraction stay reduced: no gcd needed (it dominates on big operands).
  return { n: a.n ** k, d: a.d ** k };
}

/** Integer k-th root of a non-negative bigint when exact, else null. */
function exactRoot(x: bigint, k: number): bigint | null {
  if (x < 0n) return null;
  if (x < 2n) return x;
  const approx = Number(x) ** (1 / k);
  // Beyond 2^1024 the float is ∞: start from a power of two above the root instead.
  let guess = Number.isFinite(approx) ? BigInt(Math.round(approx)) : 1n << BigInt(Math.ceil(bits(x) / k) + 1);
  // Newton steps to fix rounding for numbers beyond 2^53.
  for (let i = 0; i < 100; i++) {
    const next = ((BigInt(k) - 1n) * guess + x / guess ** BigInt(k - 1)) / BigInt(k);
    if (next === guess || next === guess + 1n || next === guess - 1n) {
      for (const c of [next - 1n, next, next + 1n]) if (c >= 0n && c ** BigInt(k) === x) return c;
      return null;
    }
    guess = next > 0n ? next : 1n;
  }
  return null;
}

/** The exact k-th root of a rational (e.g. √(9/4) = 3/2), or null when irrational. */
export function root(a: Rational, k: number): Rational | null {
  if (k < 1 || tooBig(a)) return null;
  if (a.n < 0n) {
    if (k % 2 === 0) return null;
    const r = root(rat(-a.n, a.d), k);
    return r ? rat(-r.n, r.d) : null;
  }
  const n = exactRoot(a.n, k);
  const d = n === null ? null : exactRoot(a.d, k);
  return n !== null && d !== null ? rat(n, d) : null;
}

export function toNumber(a: Rational): number {
  const n = Number(a.n);
  const d = Number(a.d);
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
  // Scale both down together so huge fractions still give their float value.
  const shift = BigInt(Math.max(bits(a.n), bits(a.d)) - 1000);
  return Number(a.n >> shift) / Number(a.d >> shift);
}

/** Exponents of a decimal literal with more digits than this are refused ("1e999…9"). */
const MAX_EXPONENT_DIGITS = 7;

/** Parses "12", "-3.25", ".5", "1.2e-3" exactly. */
export function parseDecimal(text: string): Rational | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return null;
  const frac = m[3] ?? "";
  // An exponent of eight or more digits is beyond any exact value (and BigInt-parsing it is slow).
  if (m[4] && m[4].replace(/^[+-]?0*/, "").length > MAX_EXPONENT_DIGITS) return null;
  let value = rat(BigInt((m[2] || "0") + frac), 10n ** BigInt(frac.length));
  if (m[4]) {
    const scaled = powInt(rat(10n), BigInt(m[4]));
    if (!scaled) return null;
    value = mul(value, scaled);
  }
  return m[1] === "-" ? rat(-value.n, value.d) : value;
}

/** Rounds to `places` decimals, half away from zero, exactly (Math-Verify rounds floats to 6 places). */
export function roundTo(a: Rational, places: number): Rational {
  const scale = 10n ** BigInt(places);
  const num = a.n * scale;
  const sign = num < 0n ? -1n : 1n;
  const abs = num < 0n ? -num : num;
  const q = (2n * abs + a.d) / (2n * a.d);
  return rat(sign * q, scale);
}

export function toKey(a: Rational): string {
  return a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`;
}
