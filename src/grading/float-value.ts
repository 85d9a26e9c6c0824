/**
 * Complex floats that know how far they may be off. Values the evaluator cannot keep exact (π, √2,
 * sin 1, an exact value too large to keep) become floats, and floats can only say "equal" where their
 * error allows it: each carries `err`, a bound on its absolute error propagated through every operation,
 * and `lost`, set when a finite exact value overflowed to ∞ or underflowed to 0 (so `10^{400}` is never
 * ∞ and `e^{-1000}` never 0). `sin(π)` = 1.2e-16 with err 4e-16 may be 0; `e^{-40}` = 4e-18 with err
 * 1e-33 may not; `π + 10^{20} − 10^{20}` has err ~1e4 and decides nothing.
 */
import type { Rational } from "./rational.ts";
import * as Q from "./rational.ts";

export interface Float {
  re: number;
  im: number;
  /** Bound on the absolute error of (re, im), in the max norm. */
  err: number;
  /** A finite value overflowed to ∞ or underflowed to 0 on the way: no comparison may use it. */
  lost: boolean;
}

/** Half a unit in the last place, relative. */
const HALF_ULP = 2 ** -53;
/** Relative error charged to a library function result (Math.sin, Math.pow: within a few ulps). */
const LIBRARY_ULPS = 4 * 2 ** -52;
/** Integrals are Gauss–Legendre sums: trusted to this relative accuracy (polynomials are exact). */
const QUADRATURE_RTOL = 1e-9;

const mag = (re: number, im: number) => Math.max(Math.abs(re), Math.abs(im));

export function float(re: number, im = 0, err = 0, lost = false): Float {
  return { re, im, err, lost };
}

/** An exact constant rounded to a float (π, e): half an ulp. */
export function constant(x: number): Float {
  return float(x, 0, Math.abs(x) * HALF_ULP);
}

/** An exact rational as a float: rounding error unless it is representable, `lost` when it is out of range. */
export function fromRational(q: Rational): Float {
  const x = Q.toNumber(q);
  const lost = q.n !== 0n && (x === 0 || !Number.isFinite(x));
  const representable = q.d === 1n && (q.n < 0n ? -q.n : q.n) <= 9007199254740992n;
  return float(x, 0, representable ? 0 : Math.abs(x) * HALF_ULP, lost);
}

/** `lost` for a result that left the finite range although its inputs did not. */
function outOfRange(re: number, im: number, inputsFinite: boolean, inputsNonZero: boolean): boolean {
  if (inputsFinite && !(Number.isFinite(re) && Number.isFinite(im))) return true;
  return inputsNonZero && re === 0 && im === 0;
}

const finite = (a: Float) => Number.isFinite(a.re) && Number.isFinite(a.im);
const nonZero = (a: Float) => a.re !== 0 || a.im !== 0;

export function addF(a: Float, b: Float): Float {
  const re = a.re + b.re;
  const im = a.im + b.im;
  const lost = a.lost || b.lost || outOfRange(re, im, finite(a) && finite(b), false);
  return float(re, im, a.err + b.err + mag(re, im) * HALF_ULP, lost);
}

export function mulF(a: Float, b: Float): Float {
  // 0·∞ stays NaN on purpose: it is not a value to compare.
  const re = a.re * b.re - a.im * b.im;
  const im = a.im || b.im ? a.re * b.im + a.im * b.re : 0;
  const ma = Math.hypot(a.re, a.im);
  const mb = Math.hypot(b.re, b.im);
  const err = ma * b.err + mb * a.err + a.err * b.err + 2 * mag(re, im) * HALF_ULP;
  const lost = a.lost || b.lost || outOfRange(re, im, finite(a) && finite(b), nonZero(a) && nonZero(b));
  return float(re, im, err, lost);
}

/** 1/a; null when a is 0. */
export function inverseF(a: Float): Float | null {
  const den = a.re * a.re + a.im * a.im;
  if (den === 0) return null;
  const re = a.re / den;
  const im = -a.im / den;
  const m = Math.sqrt(den);
  // d(1/a) = da/a²; an error as large as |a| itself leaves the quotient unbounded.
  const err = a.err >= m / 2 ? Number.POSITIVE_INFINITY : (2 * a.err) / den + 2 * mag(re, im) * HALF_ULP;
  return float(re, im, err, a.lost || outOfRange(re, im, finite(a), true));
}

/** x^y, the principal value. */
export function powF(x: Float, y: Float): Float {
  const lostIn = x.lost || y.lost;
  let re: number;
  let im: number;
  if (x.im === 0 && y.im === 0 && (x.re >= 0 || Number.isInteger(y.re))) {
    re = x.re ** y.re;
    im = 0;
  } else if (x.re === 0 && x.im === 0) {
    return float(0, 0, 0, lostIn);
  } else {
    const logAbs = Math.log(Math.hypot(x.re, x.im));
    const arg = Math.atan2(x.im, x.re);
    const scale = Math.exp(y.re * logAbs - y.im * arg);
    const angle = y.im * logAbs + y.re * arg;
    re = scale * Math.cos(angle);
    im = scale * Math.sin(angle);
  }
  const m = Math.hypot(re, im);
  const mx = Math.hypot(x.re, x.im);
  // d(x^y) = x^y (y dx/x + ln x dy).
  const fromX =
    mx === 0 ? (x.err === 0 ? 0 : Number.POSITIVE_INFINITY) : (Math.hypot(y.re, y.im) * x.err) / mx;
  const fromY = mx === 0 ? 0 : (Math.abs(Math.log(mx)) + Math.PI) * y.err;
  const err = m * (fromX + fromY) + m * LIBRARY_ULPS;
  const lost = lostIn || outOfRange(re, im, finite(x) && finite(y), nonZero(x));
  return float(re, im, Number.isNaN(err) ? Number.POSITIVE_INFINITY : err, lost);
}

/**
 * A real function of a real float: its error is how far `f` moves over the input's error interval
 * (plus the library's rounding), measured at the interval's ends.
 */
export function applyReal(f: (x: number) => number, x: Float): Float {
  const y = f(x.re);
  let err = Math.abs(y) * LIBRARY_ULPS;
  if (x.err > 0) {
    for (const at of [x.re - x.err, x.re + x.err]) {
      const moved = Math.abs(f(at) - y);
      if (!Number.isNaN(moved)) err = Math.max(err, moved + Math.abs(y) * LIBRARY_ULPS);
    }
  }
  // Functions that blow up nearby (tan near π/2) make the bound meaningless: say so.
  if (!Number.isFinite(err) && Number.isFinite(y)) err = Number.POSITIVE_INFINITY;
  const lost = x.lost || outOfRange(y, 0, Number.isFinite(x.re), false) || (y === 0 && f === Math.exp);
  return float(y, 0, err, lost);
}

/** A quadrature result: trusted to QUADRATURE_RTOL. */
export function quadrature(x: number): Float {
  return float(x, 0, QUADRATURE_RTOL * (Math.abs(x) + 1), !Number.isFinite(x));
}
