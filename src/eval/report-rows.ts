/** One table row per (run, cell): the numbers every report format shows. */
import type { CurvePoint } from "./metrics.ts";
import type { ReportRun } from "./report-data.ts";
import type { LargeBaseline } from "./results.ts";

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
  /** Mean prompt + completion tokens per attempt, every model of the cell counted. */
  tokens: number;
  /** Mean prompt + completion tokens per attempt of the policy model alone. */
  policyTokens: number;
  /** The large model's mean tokens per attempt and total cost, when the cell has a large model. */
  large?: { tokens: number; cost: number };
  /** The verifier model's mean tokens per attempt and total cost, when it has one. */
  verifier?: { tokens: number; cost: number };
  /** Cascade cells: the share of attempts escalated to the large model. */
  escalationShare?: number;
  /** Compared with the large model alone, when the run had that cell. */
  vsLarge?: LargeBaseline;
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
      const usage = s.usage ?? {};
      const perAttempt = (u: { promptTokens: number; completionTokens: number; cost: number }) => ({
        tokens: (u.promptTokens + u.completionTokens) / attempts,
        cost: u.cost,
      });
      // Results written before usage per role: everything was the policy's.
      const policy = usage.policy ?? { promptTokens: s.promptTokens, completionTokens: s.completionTokens };
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
        policyTokens: (policy.promptTokens + policy.completionTokens) / attempts,
        ...(usage.large ? { large: perAttempt(usage.large) } : {}),
        ...(usage.verifier ? { verifier: perAttempt(usage.verifier) } : {}),
        ...(s.cascade ? { escalationShare: s.cascade.escalationShare } : {}),
        ...(cell.vsLarge ? { vsLarge: cell.vsLarge } : {}),
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

/** Whether any row has a large or verifier model (the tables then show their columns). */
export function hasRoles(rows: ReportRow[]): { large: boolean; verifier: boolean; cascade: boolean } {
  return {
    large: rows.some((r) => r.large !== undefined),
    verifier: rows.some((r) => r.verifier !== undefined),
    cascade: rows.some((r) => r.escalationShare !== undefined),
  };
}

/** `vs L alone: 42% of its tokens, +1.5 points` for a cell compared with its large model alone. */
export function vsLargeText(row: ReportRow): string {
  const v = row.vsLarge;
  if (!v) return "";
  const sign = v.accuracyDelta >= 0 ? "+" : "−";
  const cost = v.costRatio === null ? "" : `, ${(100 * v.costRatio).toFixed(0)}% of its cost`;
  return `${(100 * v.tokenRatio).toFixed(0)}% of its tokens${cost}, ${sign}${Math.abs(100 * v.accuracyDelta).toFixed(1)} points`;
}
