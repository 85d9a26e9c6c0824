/**
 * Runs a grid of models × strategies × datasets × seeds: each item is solved by the strategy,
 * graded, and stored as soon as it finishes, so a killed run resumes where it stopped. Model
 * calls go through a caching backend over the same store, so re-running or widening a sweep
 * reuses completions. Ends by writing `results.json` in the run folder.
 */
import { mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { ModelBackend } from "../models/types.ts";
import { wrapBackend } from "../models/wrap-backend.ts";
import { inProcessQueue } from "../queue/in-process.ts";
import { type Shard, shardDataset } from "../queue/shard.ts";
import { writeShardGrid } from "../queue/shard-grid.ts";
import type { WorkDone, WorkFailed, WorkQueue } from "../queue/types.ts";
import type { Backends, Budget } from "../strategies/types.ts";
import { buildResults } from "./build-results.ts";
import { CachingBackend } from "./caching-backend.ts";
import { cellKey, cellRuns, type StrategySpec } from "./cell-key.ts";
import { createItemGrader, type ItemGrader } from "./grade-item.ts";
import type { SummarizeOptions } from "./metrics.ts";
import { type ModelEntry, roleModels } from "./model-entry.ts";
import { checkModelFiles } from "./model-files.ts";
import { createProgress, type ProgressMode } from "./progress.ts";
import type { EvalResults } from "./results.ts";
import { writeResults } from "./results.ts";
import { type RoleOf, type SolveContext, type SolveTask, solveItem } from "./solve-item.ts";
import { finishedKey, openStore, type ResultStore, redactStoreSpec, resolveStoreSpec } from "./store.ts";
import type { Dataset, EvalRecord } from "./types.ts";

export { buildResults } from "./build-results.ts";
export { cellKey, modelLabel, type StrategySpec, strategyLabel } from "./cell-key.ts";
export type { ModelEntry, RoleModel } from "./model-entry.ts";

export interface RunEvalOptions {
  models: ModelEntry[];
  strategies: StrategySpec[];
  datasets: Dataset[];
  /** The run folder: `results.json` and (by default) `store.sqlite` go here. */
  outDir: string;
  /**
   * The store: a SQLite file, or a `postgres://` URL (see `openStore`); point several runs at one
   * to share completions. Default `OUT_DIR/store.sqlite`.
   */
  storePath?: string;
  /** Seeds per item, >= 1: seed values `baseSeed`, `baseSeed + 1`, ... Default 1. */
  seeds?: number;
  /** Default 0. */
  baseSeed?: number;
  /** The strategy's budget per item. */
  budget?: Budget;
  /** A system message before each question. */
  systemPrompt?: string;
  /** Default: `createItemGrader()` (worker-pool grading with timeouts). */
  grader?: ItemGrader;
  /** Reuse stored completions (default true); false still stores new ones. */
  cache?: boolean;
  /** Default `auto`: a bar on a TTY, lines otherwise. */
  progress?: ProgressMode;
  signal?: AbortSignal;
  /** Echoed into `results.json` (the CLI's resolved flags, the YAML file). */
  settings?: Record<string, unknown>;
  /** Unit of the models' prices, and so of every cost in `results.json` (`USD`, `MFLOP`). */
  costUnit?: string;
  summary?: SummarizeOptions;
  /** Called after each record is stored. */
  onRecord?: (record: EvalRecord) => void;
  /**
   * Run only this static shard's items (src/queue/shard.ts); the run folder's `grid.json` keeps the
   * whole grid for `deliberate merge`. Default: every item.
   */
  shard?: Shard;
  /** Keep every sample's full text in its record (distillation reads them). Default false. */
  keepSampleTexts?: boolean;
  /**
   * Where the items run: default `inProcessQueue` (this process, each model at its concurrency);
   * a `BullmqQueue` (src/queue/bullmq-queue.ts) spreads them over workers on Redis.
   */
  queue?: WorkQueue;
}

export interface RunEvalResult {
  outDir: string;
  resultsPath: string;
  storePath: string;
  results: EvalResults;
  /** Records solved in this call (not found finished in the store). */
  solved: number;
  /** Records found finished and skipped. */
  skipped: number;
  /** Items a distributed queue could not run at all (their jobs failed for good); never any locally. */
  failed: WorkFailed[];
}

type Task = SolveTask;

/** Progress updates at most this often. */
const progressEveryMs = 50;

/**
 * The backends a model entry's cells see, each through the caching backend (so resume and reuse
 * work for every role), and which role each backend id stands for. Usage comes back keyed by
 * backend id, so two roles played by backends with the same id get distinct ids here (`ID#large`);
 * the cache still keys on the wrapped backend's own id, so the samples are shared.
 */
export function cellBackends(
  model: ModelEntry,
  store?: ResultStore,
): { backends: Backends; roles: Map<string, RoleOf> } {
  const roles = new Map<string, RoleOf>();
  const backends: Partial<Backends> = {};
  for (const [role, entry] of roleModels(model)) {
    const id = roles.has(entry.backend.id) ? `${entry.backend.id}#${role}` : entry.backend.id;
    roles.set(id, { role, prices: entry.prices });
    backends[role] = store
      ? new CachingBackend(entry.backend, store, { id })
      : id === entry.backend.id
        ? entry.backend
        : renamed(entry.backend, id);
  }
  return { backends: backends as Backends, roles };
}

/** The backend under another id (for usage by role without the cache); closing it leaves the backend open. */
function renamed(backend: ModelBackend, id: string): ModelBackend {
  return wrapBackend(backend, { overrideId: () => id, close: async () => {} });
}

/**
 * Solves, grades and stores one task: the one code path of local runs and of distributed workers.
 * Undefined when `context.signal` aborted it: nothing is stored, and the next run does it again.
 */
export async function executeTask(
  task: SolveTask,
  context: SolveContext,
  store: ResultStore,
): Promise<EvalRecord | undefined> {
  const { record, trace } = await solveItem(task, context);
  if (context.signal?.aborted) return undefined;
  await store.putRecord(record, trace);
  return record;
}

export async function runEval(options: RunEvalOptions): Promise<RunEvalResult> {
  const {
    models,
    strategies,
    datasets: gridDatasets,
    seeds = 1,
    baseSeed = 0,
    budget = {},
    systemPrompt,
    grader = createItemGrader(),
    cache = true,
    progress: progressMode = "auto",
    signal,
    settings = {},
    onRecord,
    keepSampleTexts,
    queue = inProcessQueue,
  } = options;
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const storePath = options.storePath ? resolveStoreSpec(options.storePath) : join(outDir, "store.sqlite");
  const store = await openStore(storePath);
  const createdAt = new Date().toISOString();
  const seedValues = Array.from({ length: seeds }, (_, i) => baseSeed + i);
  const runSettings = {
    ...settings,
    seeds,
    baseSeed,
    budget,
    systemPrompt,
    store: redactStoreSpec(storePath),
  };
  // A static shard runs its share of the items; grid.json keeps the whole grid, for `deliberate merge`.
  const { shard, summary, costUnit } = options;
  const datasets = shard ? gridDatasets.map((d) => shardDataset(d, shard)) : gridDatasets;
  if (shard) {
    const grid = { models, strategies, datasets: gridDatasets, seeds: seedValues, settings: runSettings };
    writeShardGrid(outDir, { ...grid, shard, storePath, createdAt, summary, costUnit });
  }
  let tokens = 0;

  try {
    // Every (cell, seed, item) not yet finished, per model, in a stable order.
    const queues = new Map<ModelEntry, Task[]>();
    // Cells with nothing finished before this run: when every attempt is solved here, results read
    // their records from memory instead of parsing them back out of the store.
    const fresh = new Map<string, { expected: number; records: EvalRecord[] }>();
    let skipped = 0;
    let total = 0;
    for (const model of models) {
      const { backends, roles } = cellBackends(model, cache ? store : undefined);
      const backend = backends.policy;
      const queue: Task[] = [];
      let finishedAny = false;
      for (const strategy of strategies) {
        if (!cellRuns(model, strategy)) continue;
        for (const dataset of datasets) {
          const cell = cellKey(model, strategy, dataset);
          const finished = await store.finished(cell);
          if (finished.size > 0) finishedAny = true;
          const skippedBefore = skipped;
          for (const seed of seedValues) {
            for (const item of dataset.items) {
              total++;
              if (finished.has(finishedKey(item.id, seed))) skipped++;
              else queue.push({ cell, model, backend, backends, roles, strategy, dataset, item, seed });
            }
          }
          if (skipped === skippedBefore) {
            fresh.set(cell, { expected: seedValues.length * dataset.items.length, records: [] });
          }
        }
      }
      await checkModelFiles(store, model, finishedAny);
      queues.set(model, queue);
    }

    // Items per worker only where there are workers to tell apart.
    const workers: Record<string, number> | undefined = queue.kind === "in-process" ? undefined : {};
    const state = { done: skipped, total, correct: 0, graded: 0, errors: 0, tokens: 0, workers };
    const progress = createProgress(progressMode);
    progress.update(state);
    let solved = 0;
    let lastProgress = 0;
    const failed: WorkFailed[] = [];
    const context: SolveContext = { grader, budget, systemPrompt, signal, keepSampleTexts };

    const onDone = ({ cell, record, worker }: WorkDone): void => {
      fresh.get(cell)?.records.push(record);
      solved++;
      state.done++;
      if (record.status === "ok") {
        state.graded++;
        if (record.correct) state.correct++;
      } else state.errors++;
      tokens += record.promptTokens + record.completionTokens;
      state.tokens = tokens;
      if (workers) workers[worker] = (workers[worker] ?? 0) + 1;
      // A bar redraws at 10 fps and lines print every 10%: updating per item only costs time when
      // items take microseconds. The last state is always shown (below).
      const now = Date.now();
      if (now - lastProgress >= progressEveryMs) {
        lastProgress = now;
        progress.update(state);
      }
      onRecord?.(record);
    };

    try {
      await queue.run({
        groups: [...queues].map(([model, tasks]) => ({ concurrency: model.concurrency ?? 4, tasks })),
        execute: (task) => executeTask(task, context, store),
        store,
        storeSpec: storePath,
        signal,
        onDone,
        onFailed: (failure) => {
          failed.push(failure);
          state.done++;
          state.errors++;
        },
      });
    } finally {
      progress.update(state);
      progress.stop();
    }

    const results = await buildResults(store, {
      runId: basename(outDir),
      createdAt,
      models,
      strategies,
      datasets,
      seeds: seedValues,
      settings: runSettings,
      summary,
      costUnit,
      known: new Map(
        [...fresh].filter(([, f]) => f.records.length === f.expected).map(([cell, f]) => [cell, f.records]),
      ),
    });
    const resultsPath = join(outDir, "results.json");
    writeResults(resultsPath, results);
    return { outDir, resultsPath, storePath, results, solved, skipped, failed };
  } finally {
    await store.close();
  }
}
