/**
 * Definite integrals by Gauss–Legendre quadrature: exact (to float rounding) for polynomials up to
 * degree 2·POINTS − 1 and accurate for the smooth integrands answers contain ("\int_0^1 x^2\,dx" = 1/3).
 * The result is a float, so it decides equality only through the float tolerance, never exactly.
 */
import type * as Q from "./rational.ts";

/** Quadrature points: 20 integrate polynomials of degree 39 exactly. */
const POINTS = 20;
/** Newton steps per root: converges from the Chebyshev guess in well under this. */
const NEWTON_STEPS = 100;

/** Nodes and weights on [−1, 1], computed once (Newton's method on the Legendre polynomial). */
const RULE: Array<{ x: number; w: number }> = (() => {
  const rule: Array<{ x: number; w: number }> = [];
  for (let i = 1; i <= POINTS; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (POINTS + 0.5));
    let dp = 0;
    for (let step = 0; step < NEWTON_STEPS; step++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= POINTS; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      dp = (POINTS * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    rule.push({ x, w: 2 / ((1 - x * x) * dp * dp) });
  }
  return rule;
})();

/** A float as the exact rational it is (every double is m·2^k; m is odd once k > 0, so it is reduced). */
export function floatToRational(x: number): Q.Rational {
  let k = 0n;
  while (!Number.isInteger(x)) {
    x *= 2;
    k++;
  }
  return { n: BigInt(x), d: 1n << k };
}

/** ∫ f over [a, b] with finite bounds; `f` takes the point as an exact rational. */
export function integrate(f: (x: Q.Rational) => number, a: number, b: number): number {
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  let sum = 0;
  for (const { x, w } of RULE) sum += w * f(floatToRational(mid + half * x));
  return sum * half;
}
