/** One table row per (run, cell): the numbers every report format shows. */
import type { CellBudget } from "./compute-curves.ts";
import type { CurvePoint } from "./metrics.ts";
import type { ReportRun } from "./report-data.ts";
import type { LargeBaseline } from "./results.ts";

export interface ReportRow {
  run: string;
  cell: string;
  /** The cell's models: the policy's name, with the large and verifier models when it has them. */
  model: string;
  /** The policy model's spec; the large and verifier models' specs when the cell has them. */
  policy: string;
  largeModel?: string;
  verifierModel?: string;
  /** Strategy name with its options: `self-consistency{"samples":8}`. */
  strategy: string;
  /** The strategy's name alone, and its options. */
  strategyName: string;
  strategyOptions: Record<string, unknown>;
  dataset: string;
  n: number;
  items: number;
  /** Seeds per item. */
  seeds: number;
  errors: number;
  accuracy: number;
  ci95: [number, number];
  /** Mean completion tokens per attempt. */
  completionTokens: number;
  /** Mean prompt + completion tokens per attempt, every model of the cell counted. */
  tokens: number;
  /** Mean prompt + completion tokens per attempt of the policy model alone. */
  policyTokens: number;
  /**
   * The large model's mean tokens and cost per attempt, and its total cost, when the cell called a
   * large model.
   */
  large?: RoleColumns;
  /** The verifier model's, likewise. */
  verifier?: RoleColumns;
  /** Cascade cells: the share of attempts escalated to the large model. */
  escalationShare?: number;
  /** Compared with the large model alone, when the run had that cell. */
  vsLarge?: LargeBaseline;
  calls: number;
  /** Total cost of the cell's attempts, in `costUnit`. */
  cost: number;
  /** Mean cost per attempt, every model of the cell counted. */
  costPerItem: number;
  /** Unit of the costs (`USD`, `MFLOP`); absent for runs written before results carried it. */
  costUnit?: string;
  wallMs: number;
  curves: CurvePoint[];
  byDifficulty: Record<string, { n: number; accuracy: number }>;
  /** The swept option and its value, when the cell is one budget of a sweep. */
  budget?: CellBudget;
  /**
   * Mean model FLOPs per attempt, every model counted (null: a model's parameter count is
   * unknown); absent for runs written before results carried compute.
   */
  flopsPerProblem?: number | null;
  /** The models whose unknown parameter count makes `flopsPerProblem` null. */
  unknownParameters?: string[];
}

export interface RoleColumns {
  /** Mean prompt + completion tokens per attempt. */
  tokens: number;
  /** Total cost over the cell's attempts. */
  cost: number;
  /** Mean cost per attempt. */
  costPerItem: number;
}

export function reportRows(runs: ReportRun[]): ReportRow[] {
  return runs.flatMap((run) =>
    run.results.cells.map((cell) => {
      const s = cell.summary;
      const attempts = Math.max(1, s.n + s.errors);
      const options = Object.keys(cell.strategyOptions).length ? JSON.stringify(cell.strategyOptions) : "";
      const usage = s.usage ?? {};
      const perAttempt = (u: { promptTokens: number; completionTokens: number; cost: number }) => ({
        tokens: (u.promptTokens + u.completionTokens) / attempts,
        cost: u.cost,
        costPerItem: u.cost / attempts,
      });
      // Results written before usage per role: everything was the policy's.
      const policy = usage.policy ?? { promptTokens: s.promptTokens, completionTokens: s.completionTokens };
      return {
        run: run.label,
        cell: cell.cell,
        model: cell.model,
        policy: cell.policy ?? cell.model,
        ...(cell.large ? { largeModel: cell.large } : {}),
        ...(cell.verifier ? { verifierModel: cell.verifier } : {}),
        strategy: `${cell.strategy}${options}`,
        strategyName: cell.strategy,
        strategyOptions: cell.strategyOptions,
        dataset: cell.dataset,
        n: s.n,
        items: s.items,
        seeds: cell.seeds.length,
        errors: s.errors,
        accuracy: s.accuracy,
        ci95: s.ci95,
        completionTokens: s.completionTokens / attempts,
        tokens: (s.promptTokens + s.completionTokens) / attempts,
        policyTokens: (policy.promptTokens + policy.completionTokens) / attempts,
        ...(usage.large ? { large: perAttempt(usage.large) } : {}),
        ...(usage.verifier ? { verifier: perAttempt(usage.verifier) } : {}),
        ...(s.cascade ? { escalationShare: s.cascade.escalationShare } : {}),
        ...(cell.vsLarge ? { vsLarge: cell.vsLarge } : {}),
        calls: s.calls / attempts,
        cost: s.cost,
        costPerItem: s.cost / attempts,
        ...(run.results.costUnit ? { costUnit: run.results.costUnit } : {}),
        wallMs: s.wallMs / attempts,
        curves: s.curves,
        byDifficulty: Object.fromEntries(
          Object.entries(s.byDifficulty).map(([d, slice]) => [d, { n: slice.n, accuracy: slice.accuracy }]),
        ),
        ...(cell.budget ? { budget: cell.budget } : {}),
        ...(cell.compute
          ? {
              flopsPerProblem: cell.compute.flopsPerProblem,
              unknownParameters: cell.compute.unknownParameters,
            }
          : {}),
      };
    }),
  );
}

/** `0.734` → `73.4%`. */
export function percent(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

/** Whether any row has a large or verifier model (the tables then show their columns). */
export function hasRoles(rows: ReportRow[]): { large: boolean; verifier: boolean; cascade: boolean } {
  return {
    large: rows.some((r) => r.large !== undefined),
    verifier: rows.some((r) => r.verifier !== undefined),
    cascade: rows.some((r) => r.escalationShare !== undefined),
  };
}

/** `42% of its tokens, 80% of its cost, +1.5 points` for a cell compared with its large model alone. */
export function vsLargeText(row: ReportRow): string {
  const v = row.vsLarge;
  if (!v) return "";
  const sign = v.accuracyDelta >= 0 ? "+" : "−";
  const cost = v.costRatio === null ? "" : `, ${(100 * v.costRatio).toFixed(0)}% of its cost`;
  return `${(100 * v.tokenRatio).toFixed(0)}% of its tokens${cost}, ${sign}${Math.abs(100 * v.accuracyDelta).toFixed(1)} points`;
}

/** Whether any row has a cost: without prices every cost is 0 and the tables leave the column out. */
export function hasCost(rows: ReportRow[]): boolean {
  return rows.some((r) => r.cost > 0 || (r.large?.cost ?? 0) > 0 || (r.verifier?.cost ?? 0) > 0);
}

/**
 * The cost unit of a table's header: the rows' one unit, or undefined when runs disagree or predate
 * units (each cell then says its own).
 */
export function commonCostUnit(rows: ReportRow[]): string | undefined {
  const units = new Set(rows.map((r) => r.costUnit));
  return units.size === 1 ? [...units][0] : undefined;
}

/**
 * A cost with three significant digits, grouped thousands: `0.000123`, `12.3`, `1,540`. Costs span
 * from fractions of a cent to millions of MFLOP, so a fixed number of decimals fits neither end.
 */
export function formatCost(value: number): string {
  if (value === 0) return "0";
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) < 1e-6) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}
