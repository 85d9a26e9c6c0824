/**
 * Preference pairs for DPO: per problem, a rollout the grader accepted (chosen) against one it
 * refused (rejected). Chosen ones are the problem's verified, deduplicated traces (STaR rationales
 * included: for a problem no sample solved, they are the only right answer there is); rejected ones
 * are its incorrect teacher samples, exact copies once. Pair i is (chosen[i mod C], rejected[i mod
 * R]) for i below min(max(C, R), `pairsPerProblem`): every pair differs, each side is reused only
 * when the other has more, and the order is the traces' own, so the same run gives the same pairs.
 */
import { normalizeText } from "./dedupe.ts";
import type { DistilledTrace, DpoRow } from "./types.ts";

/**
 * The problem's pairs. `chosen` and `rejected` are in trace order; rows are identified as
 * `PROBLEM/dpo/i`, and `teacher` is the chosen rollout's teacher.
 */
export function dpoPairs(
  chosen: readonly DistilledTrace[],
  incorrect: readonly DistilledTrace[],
  pairsPerProblem: number,
): DpoRow[] {
  const seen = new Set<string>();
  const rejected = incorrect.filter((trace) => {
    const text = normalizeText(trace.text);
    if (text === "" || seen.has(text)) return false;
    seen.add(text);
    return true;
  });
  if (chosen.length === 0 || rejected.length === 0) return [];
  const count = Math.min(Math.max(chosen.length, rejected.length), pairsPerProblem);
  return Array.from({ length: count }, (_, i) => {
    const good = chosen[i % chosen.length];
    const bad = rejected[i % rejected.length];
    return {
      id: `${good.problemId}/dpo/${i}`,
      question: good.question,
      answer: good.gold,
      chosen: good.text,
      rejected: bad.text,
      teacher: good.teacher,
    };
  });
}
