/**
 * Programmatic verification by constraints: plain functions over the candidate (the answer is an
 * integer, the list is sorted, the word count is under 50). The score is the share of checks passed;
 * the trace names the ones that failed.
 */
import type { Problem } from "../run/types.ts";
import type { Verifier, VerifyCandidate } from "./types.ts";

/** A check: true (or a number in [0, 1]) when the candidate satisfies it. */
export type Constraint = (
  candidate: VerifyCandidate,
  problem: Problem,
) => boolean | number | Promise<boolean | number>;

export function constraints(checks: Record<string, Constraint>): Verifier {
  return {
    name: "constraints",
    async score(problem, candidate) {
      const names = Object.keys(checks);
      const failed: string[] = [];
      let total = 0;
      for (const name of names) {
        let value: number;
        try {
          const result = await checks[name](candidate, problem);
          value = typeof result === "number" ? Math.min(1, Math.max(0, result)) : result ? 1 : 0;
        } catch {
          // A check that throws is a failed check, not a crashed verifier.
          value = 0;
        }
        if (value < 1) failed.push(name);
        total += value;
      }
      return {
        score: names.length === 0 ? 1 : total / names.length,
        method: "constraints",
        data: { failed },
      };
    },
  };
}
