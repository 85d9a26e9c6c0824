/** One table row per (run, cell): the numbers every report format shows. */
import type { CurvePoint } from "./metrics.ts";
import type { ReportRun } from "./report-data.ts";

export interface ReportRow {
  run: string;
  cell: string;
  model: string;
  /** Strategy name with its options: `self-consistency{"samples":8}`. */
  strategy: string;
  dataset: string;
  n: number;
  items: number;
  errors: number;
  accuracy: number;
  ci95: [number, number];
  /** Mean completion tokens per attempt. */
  completionTokens: number;
  /** Mean prompt + completion tokens per attempt. */
  tokens: number;
  calls: number;
  cost: number;
  wallMs: number;
  curves: CurvePoint[];
  byDifficulty: Record<string, { n: number; accuracy: number }>;
}

export function reportRows(runs: ReportRun[]): ReportRow[] {
  return runs.flatMap((run) =>
    run.results.cells.map((cell) => {
      const s = cell.summary;
      const attempts = Math.max(1, s.n + s.errors);
      const options = Object.keys(cell.strategyOptions).length ? JSON.stringify(cell.strategyOptions) : "";
      return {
        run: run.label,
        cell: cell.cell,
        model: cell.model,
        strategy: `${cell.strategy}${options}`,
        dataset: cell.dataset,
        n: s.n,
        items: s.items,
        errors: s.errors,
        accuracy: s.accuracy,
        ci95: s.ci95,
        completionTokens: s.completionTokens / attempts,
        tokens: (s.promptTokens + s.completionTokens) / attempts,
        calls: s.calls / attempts,
        cost: s.cost,
        wallMs: s.wallMs / attempts,
        curves: s.curves,
        byDifficulty: Object.fromEntries(
          Object.entries(s.byDifficulty).map(([d, slice]) => [d, { n: slice.n, accuracy: slice.accuracy }]),
        ),
      };
    }),
  );
}

/** `0.734` → `73.4%`. */
export function percent(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

/** A short name for charts: run, model, strategy and dataset, dropping parts all rows share. */
export function rowNames(rows: ReportRow[]): string[] {
  const keys: Array<keyof ReportRow> = ["run", "model", "strategy", "dataset"];
  const varying = keys.filter((k) => new Set(rows.map((r) => r[k])).size > 1);
  const used = varying.length ? varying : ["strategy" as const];
  return rows.map((r) => used.map((k) => String(r[k])).join(" · "));
}
