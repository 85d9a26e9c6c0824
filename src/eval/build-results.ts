/** Summaries of a grid from the store, as written to `results.json`. */
import { cellKey, type StrategySpec } from "./cell-key.ts";
import { type Prices, type SummarizeOptions, summarize } from "./metrics.ts";
import { type CellResult, type EvalResults, resultsSchema, versions } from "./results.ts";
import type { ModelEntry } from "./runner.ts";
import type { EvalStore } from "./store.ts";
import type { Dataset, EvalRecord } from "./types.ts";

export interface BuildResultsOptions {
  runId: string;
  createdAt: string;
  models: Array<Pick<ModelEntry, "name">>;
  strategies: StrategySpec[];
  datasets: Dataset[];
  seeds: number[];
  settings: Record<string, unknown>;
  summary?: SummarizeOptions;
  prices?: Map<string, Prices | undefined>;
}

/** Summarises the store's records of this grid (including ones finished by earlier, killed runs). */
export function buildResults(store: EvalStore, options: BuildResultsOptions): EvalResults {
  const cells: CellResult[] = [];
  const all: EvalRecord[] = [];
  const seedSet = new Set(options.seeds);
  for (const model of options.models) {
    for (const strategy of options.strategies) {
      for (const dataset of options.datasets) {
        const cell = cellKey(model.name, strategy, dataset);
        const ids = new Set(dataset.items.map((i) => i.id));
        // Only this grid's items and seeds: a store shared with a wider sweep holds more.
        const records = store.records(cell).filter((r) => ids.has(r.itemId) && seedSet.has(r.seed));
        all.push(...records);
        const summary = summarize(records, options.summary);
        cells.push({
          cell,
          model: model.name,
          strategy: strategy.name,
          strategyOptions: strategy.options ?? {},
          dataset: dataset.name,
          datasetSpec: dataset.spec,
          items: dataset.items.length,
          seeds: options.seeds,
          accuracy: summary.accuracy,
          summary,
        });
      }
    }
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
      models: options.models.map((m) => ({ name: m.name, prices: options.prices?.get(m.name) })),
      strategies: options.strategies,
      datasets: options.datasets.map((d) => ({ name: d.name, spec: d.spec, items: d.items.length })),
    },
    accuracy: overall.accuracy,
    overall,
    cells,
  };
}
