/**
 * Adaptive stopping rules for sampling-then-voting, checked after each batch so the samples within a
 * batch still run in parallel.
 *
 * - `beta`: Adaptive-Consistency (Aggarwal et al., 2023, arXiv:2305.11860). With v1 and v2 votes for
 *   the two leading answers, the posterior of the leader's share among the two is Beta(v1+1, v2+1);
 *   stop once P(p1 > p2) = P(Beta > 1/2) reaches the threshold (0.95 in the paper).
 * - `dirichlet`: the same paper's multi-answer rule: P(leader has the largest share) under a
 *   Dirichlet(counts + 1) posterior, estimated by seeded Monte Carlo.
 * - `esc`: Early-Stopping Self-Consistency (Li et al., 2024, arXiv:2401.10480): stop when every sample
 *   of the latest window gives the same answer.
 */

import { z } from "zod";
import { strictObject } from "../strict-object.ts";
import { mulberry32 } from "../util/mulberry32.ts";

export type StoppingRule =
  | { rule: "none" }
  | {
      rule: "beta" | "dirichlet";
      /** Posterior probability the leader must reach, in (0, 1). Default 0.95. */
      threshold?: number;
      /** Never stop with fewer samples than this. Default 3. */
      minSamples?: number;
    }
  | {
      rule: "esc";
      /** Window length: that many latest samples must agree. Default 4. */
      window?: number;
    };

export interface StopDecision {
  stop: boolean;
  /** Human-readable why, for the trace's `decision` node. */
  reason: string;
  /** The posterior probability (beta, dirichlet) the decision rests on. */
  probability?: number;
  leader: string | null;
}

const DEFAULT_THRESHOLD = 0.95;
const DEFAULT_MIN_SAMPLES = 3;
/** ESC's window, and the batch size adaptive self-consistency samples in between checks. */
export const DEFAULT_WINDOW = 4;
/** Monte Carlo draws for the Dirichlet rule: standard error <= 0.5/sqrt(4000) ≈ 0.008. */
const DIRICHLET_DRAWS = 4000;

/**
 * P(X > 1/2) for X ~ Beta(a, b) with positive integer a, b: equals P(Binomial(a+b-1, 1/2) < a),
 * summed in log space so large counts do not overflow.
 */
export function betaTailAboveHalf(a: number, b: number): number {
  const n = a + b - 1;
  let logChoose = 0; // log C(n, 0)
  let sum = 0;
  for (let j = 0; j < a; j++) {
    sum += Math.exp(logChoose - n * Math.LN2);
    logChoose += Math.log(n - j) - Math.log(j + 1);
  }
  return Math.min(1, sum);
}

/** Votes per key, abstentions (null) left out, most votes first. */
function ranked(keys: (string | null)[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const key of keys) if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts.entries()].sort((x, y) => y[1] - x[1]);
}

/** P(the first count's share is the largest) under Dirichlet(counts + 1), by Monte Carlo. */
export function dirichletLeaderProbability(counts: number[], seed = 0): number {
  const random = mulberry32(seed);
  // Gamma(k) for integer k is a sum of k unit exponentials; counts are vote counts, so small.
  const gamma = (shape: number) => {
    let sum = 0;
    for (let i = 0; i < shape; i++) sum -= Math.log(1 - random());
    return sum;
  };
  let wins = 0;
  for (let draw = 0; draw < DIRICHLET_DRAWS; draw++) {
    const leader = gamma(counts[0] + 1);
    if (counts.slice(1).every((c) => gamma(c + 1) < leader)) wins++;
  }
  return wins / DIRICHLET_DRAWS;
}

/** Whether to stop sampling, given the answer keys so far in sampling order. */
export function shouldStop(rule: StoppingRule, keys: (string | null)[]): StopDecision {
  const votes = ranked(keys);
  const leader = votes[0]?.[0] ?? null;
  switch (rule.rule) {
    case "none":
      return { stop: false, reason: "no stopping rule", leader };
    case "beta":
    case "dirichlet": {
      const threshold = rule.threshold ?? DEFAULT_THRESHOLD;
      const minSamples = rule.minSamples ?? DEFAULT_MIN_SAMPLES;
      if (keys.length < minSamples || leader === null) {
        return { stop: false, reason: `fewer than ${minSamples} samples or no answer yet`, leader };
      }
      const counts = votes.map(([, count]) => count);
      const probability =
        rule.rule === "beta"
          ? betaTailAboveHalf(counts[0] + 1, (counts[1] ?? 0) + 1)
          : dirichletLeaderProbability(counts, keys.length);
      const stop = probability >= threshold;
      return {
        stop,
        probability,
        leader,
        reason: `P(leader is the majority) = ${probability.toFixed(3)} ${stop ? ">=" : "<"} ${threshold}`,
      };
    }
    case "esc": {
      const window = rule.window ?? DEFAULT_WINDOW;
      const last = keys.slice(-window);
      const agree = last.length === window && last[0] !== null && last.every((k) => k === last[0]);
      return {
        stop: agree,
        leader,
        reason: agree ? `the last ${window} samples agree` : `the last ${window} samples do not all agree`,
      };
    }
    default:
      return rule satisfies never;
  }
}

/** The option schema for a stopping rule: an object, or just the rule's name for its defaults. */
export const stoppingSchema = z
  .union([
    z.enum(["none", "beta", "dirichlet", "esc"]).transform((rule) => ({ rule }) as StoppingRule),
    z.discriminatedUnion("rule", [
      strictObject({ rule: z.literal("none") }),
      strictObject({
        rule: z.enum(["beta", "dirichlet"]),
        threshold: z.number().gt(0).lt(1).optional(),
        minSamples: z.number().int().min(1).optional(),
      }),
      strictObject({ rule: z.literal("esc"), window: z.number().int().min(1).optional() }),
    ]),
  ])
  .describe(
    "Adaptive stopping: `none`, `beta` (Adaptive-Consistency, threshold 0.95), `dirichlet`, or `esc` (window of agreeing samples).",
  );
