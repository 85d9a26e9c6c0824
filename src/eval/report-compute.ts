/**
 * The compute curves of a report (one or more runs): per dataset, the rows as points of accuracy
 * against model FLOPs per problem, joined into one series per strategy family (the budgets of one
 * sweep, per model and run), with the Pareto frontier over every point. What the HTML chart draws
 * and the Markdown table lists.
 */
import { type CellBudget, paretoFlags, strategyFamily } from "./compute-curves.ts";
import { formatOption } from "./report-labels.ts";
import type { ReportRow } from "./report-rows.ts";

export interface ComputeReportPoint {
  /** The row's index (its number in the results table, less one). */
  row: number;
  /** The row's label. */
  label: string;
  flops: number | null;
  accuracy: number;
  budget?: CellBudget;
  /** On its dataset's Pareto frontier; null when not placed (FLOPs unknown, or nothing graded). */
  onFrontier: boolean | null;
}

export interface ComputeReportSeries {
  /** The family's label: the rows' label without the budget, then the budgets (`self-consistency · 4, 8, 16 samples`). */
  label: string;
  /** In budget order (FLOPs order without budgets). */
  points: ComputeReportPoint[];
}

export interface ComputeReportGroup {
  dataset: string;
  series: ComputeReportSeries[];
  /** Every point, in row order. */
  points: ComputeReportPoint[];
  /** Models whose parameter count is unknown, making some points' FLOPs unknown. */
  unknownParameters: string[];
}

/** Rows of runs written before compute are left out; no group when none has it. */
export function computeReport(rows: readonly ReportRow[], labels: readonly string[]): ComputeReportGroup[] {
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    if (r.flopsPerProblem === undefined) return;
    groups.set(r.dataset, [...(groups.get(r.dataset) ?? []), i]);
  });
  return [...groups].map(([dataset, indexes]) => {
    const flags = paretoFlags(
      indexes.map((i) => ({
        flops: rows[i].flopsPerProblem ?? null,
        accuracy: rows[i].accuracy,
        n: rows[i].n,
      })),
    );
    const points: ComputeReportPoint[] = indexes.map((i, j) => ({
      row: i,
      label: labels[i],
      flops: rows[i].flopsPerProblem ?? null,
      accuracy: rows[i].accuracy,
      ...(rows[i].budget ? { budget: rows[i].budget } : {}),
      onFrontier: flags[j],
    }));
    const families = new Map<string, ComputeReportPoint[]>();
    for (const point of points) {
      const r = rows[point.row];
      const key = [r.run, r.model, strategyFamily(r.strategyName, r.strategyOptions, r.budget?.option)].join(
        "\u0000",
      );
      families.set(key, [...(families.get(key) ?? []), point]);
    }
    const series = [...families.values()].map((members) => ({
      label: familyLabel(members),
      points: [...members].sort(byBudget),
    }));
    const unknownParameters = [
      ...new Set(
        indexes.flatMap((i) => (rows[i].flopsPerProblem === null ? (rows[i].unknownParameters ?? []) : [])),
      ),
    ];
    return { dataset, series, points, unknownParameters };
  });
}

function byBudget(a: ComputeReportPoint, b: ComputeReportPoint): number {
  const va = a.budget?.value;
  const vb = b.budget?.value;
  if (typeof va === "number" && typeof vb === "number" && va !== vb) return va - vb;
  return (a.flops ?? 0) - (b.flops ?? 0);
}

/**
 * A family's label: its first row's label with the budget part taken out, then every budget
 * (`self-consistency · 8 samples` + 4, 8, 16 → `self-consistency · 4, 8, 16 samples`).
 */
function familyLabel(members: ComputeReportPoint[]): string {
  const budget = members[0].budget;
  if (!budget) return members[0].label;
  const parts = members[0].label
    .split(" · ")
    .filter((part) => part !== formatOption(budget.option, budget.value));
  const values = members
    .map((m) => m.budget?.value)
    .sort((a, b) => Number(a) - Number(b))
    .join(", ");
  return [parts[0], formatOption(budget.option, values), ...parts.slice(1)].join(" · ");
}
