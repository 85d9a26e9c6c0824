/**
 * Composition: run a registered strategy by name inside another (self-consistency over program-aided,
 * best-of-N over cot). The registry is imported lazily because it imports every strategy, including
 * the ones that call this.
 */
import type { Problem, Solution, StrategyContext } from "./types.ts";

export async function runInner(
  name: string,
  options: Record<string, unknown> | undefined,
  problem: Problem,
  ctx: StrategyContext,
): Promise<Solution> {
  const { runNamed } = await import("./index.ts");
  return runNamed(name, problem, ctx, options ?? {});
}
