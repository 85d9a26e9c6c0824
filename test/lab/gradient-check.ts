/**
 * Central finite differences against an analytic gradient, tolerant of float32 rounding.
 */
import assert from "node:assert/strict";
import type { Random } from "../../src/lab/random.ts";

export function randomArray(length: number, random: Random, scale = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = random.normal() * scale;
  return out;
}

/** Σ r·y in float64: turns any layer output into a scalar loss whose gradient w.r.t. y is r. */
export function project(y: Float32Array, r: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < r.length; i++) sum += y[i] * r[i];
  return sum;
}

export interface GradientCheckOptions {
  /** Step size. Default 1e-2 (float32 inputs of magnitude ~1). */
  eps?: number;
  /** Allowed |numeric − analytic| ≤ atol + rtol·|numeric|. */
  atol?: number;
  rtol?: number;
  /** Which entries of x to check; default all. */
  indices?: number[];
}

/** Asserts that `analytic[i]` ≈ d loss / d x[i] for each checked i, perturbing x in place. */
export function checkGradient(
  label: string,
  loss: () => number,
  x: Float32Array,
  analytic: Float32Array,
  { eps = 1e-2, atol = 1e-3, rtol = 2e-2, indices }: GradientCheckOptions = {},
): void {
  const check = indices ?? Array.from({ length: x.length }, (_, i) => i);
  let nonZero = 0;
  for (const i of check) {
    const saved = x[i];
    x[i] = saved + eps;
    const up = loss();
    x[i] = saved - eps;
    const down = loss();
    x[i] = saved;
    const numeric = (up - down) / (2 * eps);
    if (Math.abs(numeric) > atol) nonZero++;
    const error = Math.abs(numeric - analytic[i]);
    assert.ok(
      error <= atol + rtol * Math.abs(numeric),
      `${label}[${i}]: numeric ${numeric} vs analytic ${analytic[i]}`,
    );
  }
  // A check where every gradient is ~0 proves nothing.
  assert.ok(nonZero > 0, `${label}: every checked gradient is ~0`);
}
