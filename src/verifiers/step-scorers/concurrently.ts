/**
 * Runs n calls at once and waits for every one (the `prm`, `step-judge` and `rollout` scorers score
 * all prefixes of a solution concurrently): the calls share the budget through `ctx`, so running them
 * together costs no more than running them in turn, and no step's score waits on another's.
 */
import { toDeliberateError } from "../../errors.ts";

/**
 * `run(i)` for every i in 0..count-1 at once, results in order. Every call settles before anything
 * is thrown (none is left running unseen); an abort wins over other failures, else the first failure
 * is thrown: one missing step score would shift the rest onto the wrong steps.
 */
export async function concurrently<T>(count: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(Array.from({ length: count }, (_, index) => run(index)));
  const failures = settled.flatMap((s) => (s.status === "rejected" ? [toDeliberateError(s.reason)] : []));
  if (failures.length > 0) throw failures.find((f) => f.code === "ABORTED") ?? failures[0];
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
