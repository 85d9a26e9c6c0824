/**
 * Compute curves: "does search pay here?" as data. Each cell is a point (mean model FLOPs per
 * problem, accuracy); the cells of one budget sweep (`self-consistency?samples=4,8,16`) are one
 * curve, their family; and per dataset, the Pareto frontier over every point says which strategy
 * and budget is best at each level of compute (issue 18).
 */
import { strategyLabel } from "./cell-key.ts";
import type { CellResult } from "./results.ts";

/** The option a cell's budget sweep varies, and its value in this cell. */
export interface CellBudget {
  option: string;
  value: unknown;
}

/** One cell on the accuracy-vs-compute plane (results.json `computeCurves[].points[]`). */
export interface ComputePoint {
  cell: string;
  /** The cell's models (`modelLabel`). */
  model: string;
  strategy: string;
  /**
   * The curve it belongs to: the strategy and its options but the swept one
   * (`weighted-best-of-n{"verifier":"prm"}`); points of one family and model are joined.
   */
  family: string;
  budget?: CellBudget;
  accuracy: number;
  /** Graded attempts behind `accuracy`. */
  n: number;
  /** Mean model FLOPs per problem (`CellCompute.flopsPerProblem`); null when unknown. */
  flopsPerProblem: number | null;
  /**
   * Whether no other point of its dataset has at least its accuracy for at most its FLOPs (and is
   * better in one); null when it is not placed: FLOPs unknown, or no graded attempt.
   */
  onFrontier: boolean | null;
}

/** The points of one dataset, in grid order. */
export interface ComputeCurve {
  dataset: string;
  points: ComputePoint[];
}

/** A point as the frontier sees it. */
export interface FrontierCandidate {
  flops: number | null;
  accuracy: number;
  /** Graded attempts; a point with none is not placed. */
  n: number;
}

/**
 * Which points are on the Pareto frontier (fewer FLOPs, more accuracy): a point is on it unless
 * another has no more FLOPs and no less accuracy, and is strictly better in one. Equal points
 * do not dominate each other, so ties are on the frontier together (which one a chart lists
 * first must not decide which one "wins"). Unplaced points get null and dominate nothing.
 */
export function paretoFlags(points: readonly FrontierCandidate[]): Array<boolean | null> {
  const placed = (p: FrontierCandidate): p is FrontierCandidate & { flops: number } =>
    p.flops !== null && Number.isFinite(p.flops) && p.n > 0;
  return points.map((p) => {
    if (!placed(p)) return null;
    return !points.some(
      (q) =>
        q !== p &&
        placed(q) &&
        q.flops <= p.flops &&
        q.accuracy >= p.accuracy &&
        (q.flops < p.flops || q.accuracy > p.accuracy),
    );
  });
}

/** The family of a strategy: its label with the swept option left out, so a sweep's cells share it. */
export function strategyFamily(name: string, options: Record<string, unknown>, sweep?: string): string {
  const rest = Object.fromEntries(Object.entries(options).filter(([key]) => key !== sweep));
  return strategyLabel({ name, options: rest });
}

/** Per dataset (in grid order), every cell as a point with its frontier flag. */
export function computeCurves(cells: readonly CellResult[]): ComputeCurve[] {
  const byDataset = new Map<string, CellResult[]>();
  for (const cell of cells) byDataset.set(cell.dataset, [...(byDataset.get(cell.dataset) ?? []), cell]);
  return [...byDataset].map(([dataset, list]) => {
    const flags = paretoFlags(
      list.map((c) => ({ flops: c.compute?.flopsPerProblem ?? null, accuracy: c.accuracy, n: c.summary.n })),
    );
    return {
      dataset,
      points: list.map((c, i) => ({
        cell: c.cell,
        model: c.model,
        strategy: c.strategy,
        family: strategyFamily(c.strategy, c.strategyOptions, c.budget?.option),
        ...(c.budget ? { budget: c.budget } : {}),
        accuracy: c.accuracy,
        n: c.summary.n,
        flopsPerProblem: c.compute?.flopsPerProblem ?? null,
        onFrontier: flags[i],
      })),
    };
  });
}
