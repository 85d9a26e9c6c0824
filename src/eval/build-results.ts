/** Summaries of a grid from the store, as written to `results.json`. */
import { cellKey, cellRuns, modelLabel, type StrategySpec } from "./cell-key.ts";
import { computeCurves } from "./compute-curves.ts";
import { cellCompute } from "./compute-flops.ts";
import { type Prices, type SummarizeOptions, summarize } from "./metrics.ts";
import { type CellResult, type EvalResults, type LargeBaseline, resultsSchema, versions } from "./results.ts";
import type { ResultStore } from "./store-types.ts";
import type { EvalItem, EvalRecord } from "./types.ts";

export interface BuildResultsOptions {
  runId: string;
  createdAt: string;
  models: ResultModel[];
  strategies: StrategySpec[];
  datasets: ResultDataset[];
  seeds: number[];
  settings: Record<string, unknown>;
  summary?: SummarizeOptions;
  /** Unit of the prices, and so of every cost (`USD`, `MFLOP`). */
  costUnit?: string;
  /**
   * Records of cells whose every attempt the caller just stored, in the order it stored them (the
   * store's order): used as they are instead of read back.
   */
  known?: Map<string, EvalRecord[]>;
}

/**
 * What results need of a model entry: names, prices and parameter counts of its roles (counts for
 * model FLOPs; undefined when unknown), and which strategies it runs.
 */
export interface ResultModel {
  name: string;
  prices?: Prices;
  parameters?: number;
  large?: { name: string; prices?: Prices; parameters?: number };
  verifier?: { name: string; prices?: Prices; parameters?: number };
  /** Only these of the grid's strategies run on it (`ModelEntry.strategies`): which cells exist. */
  strategies?: string[];
}

/** What results need of a dataset: its names and its items' ids (`merge` has no more). */
export interface ResultDataset {
  name: string;
  spec: string;
  items: ReadonlyArray<Pick<EvalItem, "id">>;
}

/** Summarises the store's records of this grid (including ones finished by earlier, killed runs). */
export async function buildResults(store: ResultStore, options: BuildResultsOptions): Promise<EvalResults> {
  const cells: CellResult[] = [];
  const all: EvalRecord[] = [];
  const seedSet = new Set(options.seeds);
  for (const model of options.models) {
    for (const strategy of options.strategies) {
      if (!cellRuns(model, strategy)) continue;
      for (const dataset of options.datasets) {
        const cell = cellKey(model, strategy, dataset);
        const ids = new Set(dataset.items.map((i) => i.id));
        // Only this grid's items and seeds: a store shared with a wider sweep holds more.
        const records =
          options.known?.get(cell) ??
          (await store.records(cell)).filter((r) => ids.has(r.itemId) && seedSet.has(r.seed));
        all.push(...records);
        const summary = summarize(records, options.summary);
        cells.push({
          cell,
          model: modelLabel(model),
          policy: model.name,
          ...(model.large ? { large: model.large.name } : {}),
          ...(model.verifier ? { verifier: model.verifier.name } : {}),
          strategy: strategy.name,
          strategyOptions: strategy.options ?? {},
          dataset: dataset.name,
          datasetSpec: dataset.spec,
          items: dataset.items.length,
          seeds: options.seeds,
          accuracy: summary.accuracy,
          summary,
          ...(strategy.sweep
            ? { budget: { option: strategy.sweep, value: strategy.options?.[strategy.sweep] } }
            : {}),
          compute: cellCompute(summary, {
            policy: model,
            ...(model.large ? { large: model.large } : {}),
            ...(model.verifier ? { verifier: model.verifier } : {}),
          }),
        });
      }
    }
  }
  for (const cell of cells) {
    const baseline = largeBaseline(cell, cells);
    if (baseline) cell.vsLarge = baseline;
  }
  // One cell: the overall summary is that cell's (and the bootstrap need not run twice).
  const overall = cells.length === 1 ? cells[0].summary : summarize(all, options.summary);
  return {
    schema: resultsSchema,
    runId: options.runId,
    createdAt: options.createdAt,
    finishedAt: new Date().toISOString(),
    versions: versions(),
    settings: {
      ...options.settings,
      models: options.models.map((m) => ({
        name: m.name,
        prices: m.prices,
        parameters: m.parameters,
        ...(m.large
          ? { large: { name: m.large.name, prices: m.large.prices, parameters: m.large.parameters } }
          : {}),
        ...(m.verifier
          ? {
              verifier: {
                name: m.verifier.name,
                prices: m.verifier.prices,
                parameters: m.verifier.parameters,
              },
            }
          : {}),
      })),
      strategies: options.strategies,
      datasets: options.datasets.map((d) => ({ name: d.name, spec: d.spec, items: d.items.length })),
    },
    ...(options.costUnit ? { costUnit: options.costUnit } : {}),
    accuracy: overall.accuracy,
    overall,
    cells,
    computeCurves: computeCurves(cells),
  };
}

/**
 * The large model alone on the same dataset, for a cell that escalates to a large model (it called
 * it, or it is a cascade that could have): a cell whose policy is that model and which has no large
 * model of its own (the first such cell in grid order). A plain `cot` cell of a model that merely has
 * a large model configured gets none: it never asks the large model, so there is nothing to compare.
 */
function largeBaseline(cell: CellResult, cells: CellResult[]): LargeBaseline | undefined {
  if (cell.large === undefined) return undefined;
  if (cell.summary.usage?.large === undefined && cell.summary.cascade === undefined) return undefined;
  const base = cells.find(
    (c) => c.large === undefined && c.policy === cell.large && c.dataset === cell.dataset && c !== cell,
  );
  if (!base) return undefined;
  const perAttempt = (c: CellResult) =>
    (c.summary.promptTokens + c.summary.completionTokens) / Math.max(1, c.summary.n + c.summary.errors);
  const tokensPerItem = perAttempt(base);
  return {
    cell: base.cell,
    strategy: base.strategy,
    accuracy: base.accuracy,
    tokensPerItem,
    cost: base.summary.cost,
    tokenRatio: tokensPerItem > 0 ? perAttempt(cell) / tokensPerItem : 0,
    costRatio: base.summary.cost > 0 ? cell.summary.cost / base.summary.cost : null,
    accuracyDelta: cell.accuracy - base.accuracy,
  };
}
