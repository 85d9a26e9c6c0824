/**
 * Runs a grid of models × strategies × datasets × seeds: each item is solved by the strategy,
 * graded, and stored as soon as it finishes, so a killed run resumes where it stopped. Model
 * calls go through a caching backend over the same store, so re-running or widening a sweep
 * reuses completions. Ends by writing `results.json` in the run folder.
 */
import { mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { toDeliberateError } from "../errors.ts";
import type { ModelBackend } from "../models/types.ts";
import { runNamed } from "../strategies/index.ts";
import type { Budget, Problem, Solution, StrategyContext } from "../strategies/types.ts";
import { TraceRecorder } from "../trace/recorder.ts";
import { CachingBackend } from "./caching-backend.ts";
import { createItemGrader, type ItemGrader } from "./grade-item.ts";
import { costOf, type Prices, type SummarizeOptions, summarize } from "./metrics.ts";
import { createProgress, type ProgressMode } from "./progress.ts";
import { type CellResult, type EvalResults, resultsSchema, versions, writeResults } from "./results.ts";
import { EvalStore, finishedKey } from "./store.ts";
import { traceSamples } from "./trace-samples.ts";
import type { Dataset, EvalItem, EvalRecord, SampleRecord } from "./types.ts";

export interface StrategySpec {
  /** A strategy name the `solve` function knows (`cot`, `self-consistency`, ...). */
  name: string;
  /** Its options (samples, temperature, ...); part of the cell's identity. */
  options?: Record<string, unknown>;
}

export interface ModelEntry {
  /** The model as named in tables and store keys: the spec the user gave. */
  name: string;
  backend: ModelBackend;
  /** Per-token prices, for `cost` when the strategy's usage does not carry one. */
  prices?: Prices;
  /** Items solved at once on this model, >= 1. Default 4. */
  concurrency?: number;
}

/** Solves one problem with the named strategy (the strategies layer's dispatcher). */
export type SolveFunction = (
  strategy: StrategySpec,
  problem: Problem,
  ctx: StrategyContext,
) => Promise<Solution>;

const defaultSolve: SolveFunction = (strategy, problem, ctx) =>
  runNamed(strategy.name, problem, ctx, strategy.options);

export interface RunEvalOptions {
  models: ModelEntry[];
  strategies: StrategySpec[];
  datasets: Dataset[];
  /** Default: the strategies registry's `runNamed`. Tests and benches pass their own. */
  solve?: SolveFunction;
  /** The run folder: `results.json` and (by default) `store.sqlite` go here. */
  outDir: string;
  /** The store; point several runs at one file to share completions. Default `OUT_DIR/store.sqlite`. */
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
  summary?: SummarizeOptions;
  /** Called after each record is stored. */
  onRecord?: (record: EvalRecord) => void;
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
}

/** Stable text of options: keys sorted, so the same options always name the same cell. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** `self-consistency` or `self-consistency{"samples":8}`. */
export function strategyLabel(spec: StrategySpec): string {
  const options = spec.options && Object.keys(spec.options).length > 0 ? stableJson(spec.options) : "";
  return `${spec.name}${options}`;
}

export function cellKey(model: string, strategy: StrategySpec, dataset: Dataset): string {
  return `${model}|${strategyLabel(strategy)}|${dataset.name}`;
}

interface Task {
  cell: string;
  model: ModelEntry;
  backend: ModelBackend;
  strategy: StrategySpec;
  dataset: Dataset;
  item: EvalItem;
  seed: number;
}

const maxTextChars = 4000;

export async function runEval(options: RunEvalOptions): Promise<RunEvalResult> {
  const {
    models,
    strategies,
    datasets,
    solve = defaultSolve,
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
  } = options;
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const storePath = options.storePath ? resolve(options.storePath) : join(outDir, "store.sqlite");
  const store = EvalStore.open(storePath);
  const createdAt = new Date().toISOString();
  const seedValues = Array.from({ length: seeds }, (_, i) => baseSeed + i);
  let tokens = 0;

  try {
    // Every (cell, seed, item) not yet finished, per model, in a stable order.
    const queues = new Map<ModelEntry, Task[]>();
    let skipped = 0;
    let total = 0;
    for (const model of models) {
      const backend = cache ? new CachingBackend(model.backend, store) : model.backend;
      const queue: Task[] = [];
      for (const strategy of strategies) {
        for (const dataset of datasets) {
          const cell = cellKey(model.name, strategy, dataset);
          const finished = store.finished(cell);
          for (const seed of seedValues) {
            for (const item of dataset.items) {
              total++;
              if (finished.has(finishedKey(item.id, seed))) skipped++;
              else queue.push({ cell, model, backend, strategy, dataset, item, seed });
            }
          }
        }
      }
      queues.set(model, queue);
    }

    const state = { done: skipped, total, correct: 0, graded: 0, errors: 0, tokens: 0 };
    const progress = createProgress(progressMode);
    progress.update(state);
    let solved = 0;

    const runTask = async (task: Task): Promise<void> => {
      const record = await solveAndGrade(task, { solve, grader, budget, systemPrompt, signal });
      if (signal?.aborted) return; // not stored: the next run does it again
      store.putRecord(record.record, record.trace);
      solved++;
      state.done++;
      if (record.record.status === "ok") {
        state.graded++;
        if (record.record.correct) state.correct++;
      } else state.errors++;
      tokens += record.record.promptTokens + record.record.completionTokens;
      state.tokens = tokens;
      progress.update(state);
      onRecord?.(record.record);
    };

    await Promise.all(
      [...queues.entries()].map(async ([model, queue]) => {
        let next = 0;
        const worker = async () => {
          while (next < queue.length && !signal?.aborted) await runTask(queue[next++]);
        };
        const width = Math.max(1, Math.min(model.concurrency ?? 4, queue.length));
        await Promise.all(Array.from({ length: width }, worker));
      }),
    );
    progress.stop();

    const results = buildResults(store, {
      runId: basename(outDir),
      createdAt,
      models,
      strategies,
      datasets,
      seeds: seedValues,
      settings: { ...settings, seeds, baseSeed, budget, systemPrompt },
      summary: options.summary,
      prices: new Map(models.map((m) => [m.name, m.prices])),
    });
    const resultsPath = join(outDir, "results.json");
    writeResults(resultsPath, results);
    return { outDir, resultsPath, storePath, results, solved, skipped };
  } finally {
    store.close();
  }
}

interface SolveContext {
  solve: SolveFunction;
  grader: ItemGrader;
  budget: Budget;
  systemPrompt?: string;
  signal?: AbortSignal;
}

/** Solves and grades one task; failures become `error` records, never wrong answers. */
async function solveAndGrade(
  task: Task,
  { solve, grader, budget, systemPrompt, signal }: SolveContext,
): Promise<{ record: EvalRecord; trace: ReturnType<TraceRecorder["finish"]> }> {
  const { item, seed } = task;
  const trace = new TraceRecorder();
  const problem: Problem = {
    id: item.id,
    messages: [
      ...(systemPrompt ? [{ role: "system" as const, content: systemPrompt }] : []),
      { role: "user", content: item.question },
    ],
    kind: item.kind,
    ...(item.choices ? { choices: item.choices } : {}),
    ...(item.tests ? { tests: item.tests } : {}),
  };
  const base: Omit<
    EvalRecord,
    | "status"
    | "correct"
    | "verdict"
    | "predicted"
    | "key"
    | "confidence"
    | "samples"
    | "promptTokens"
    | "completionTokens"
    | "calls"
    | "cost"
    | "wallMs"
    | "text"
  > = {
    cell: task.cell,
    model: task.model.name,
    strategy: strategyLabel(task.strategy),
    dataset: task.dataset.name,
    itemId: item.id,
    question: item.question.slice(0, maxTextChars),
    seed,
    gold: item.gold,
    ...(item.difficulty === undefined ? {} : { difficulty: item.difficulty }),
    ...(item.category === undefined ? {} : { category: item.category }),
  };
  const started = Date.now();
  try {
    const ctx: StrategyContext = { backends: { policy: task.backend }, budget, trace, seed, signal };
    const solution = await solve(task.strategy, problem, ctx);
    const finished = trace.finish();
    const verdict = await grader.grade(solution.text, item);
    const usage = Object.values(solution.usage);
    const promptTokens = usage.reduce((s, u) => s + u.promptTokens, 0);
    const completionTokens = usage.reduce((s, u) => s + u.completionTokens, 0);
    const reportedCost = usage.some((u) => u.cost !== undefined);
    const key = solution.key ?? grader.key(solution.text, item);
    const samples = await gradeSamples(finished, item, grader, {
      text: solution.text,
      correct: verdict.correct,
      key,
    });
    return {
      trace: finished,
      record: {
        ...base,
        status: verdict.verdict === "error" || verdict.verdict === "timeout" ? "error" : "ok",
        correct: verdict.correct,
        verdict: verdict.verdict,
        predicted: verdict.predicted,
        key,
        confidence: solution.confidence,
        samples,
        promptTokens,
        completionTokens,
        calls: usage.reduce((s, u) => s + u.calls, 0),
        cost: reportedCost
          ? usage.reduce((s, u) => s + (u.cost ?? 0), 0)
          : costOf(promptTokens, completionTokens, task.model.prices),
        wallMs: solution.wallMs || Date.now() - started,
        traceId: finished.id,
        text: solution.text.slice(0, maxTextChars),
        ...(verdict.verdict === "error" || verdict.verdict === "timeout"
          ? { error: `grading: ${verdict.reason}` }
          : {}),
      },
    };
  } catch (error) {
    const failure = toDeliberateError(error);
    const finished = trace.finish(failure.message);
    return {
      trace: finished,
      record: {
        ...base,
        status: "error",
        correct: false,
        verdict: "failed",
        predicted: null,
        key: null,
        confidence: 0,
        samples: [],
        promptTokens: 0,
        completionTokens: 0,
        calls: 0,
        cost: 0,
        wallMs: Date.now() - started,
        traceId: finished.id,
        text: "",
        error: `${failure.code}: ${failure.message}`,
      },
    };
  }
}

/**
 * Grades each sampled candidate once per distinct answer key (equal keys share a verdict); a
 * sample whose text is the solution's reuses the solution's verdict.
 */
async function gradeSamples(
  trace: ReturnType<TraceRecorder["finish"]>,
  item: EvalItem,
  grader: ItemGrader,
  solved: { text: string; correct: boolean; key: string | null },
): Promise<SampleRecord[]> {
  const byKey = new Map<string, boolean>();
  const out: SampleRecord[] = [];
  for (const sample of traceSamples(trace)) {
    const key = sample.text === solved.text ? solved.key : grader.key(sample.text, item);
    let correct = key === null ? false : byKey.get(key);
    if (correct === undefined) {
      correct =
        sample.text === solved.text ? solved.correct : (await grader.grade(sample.text, item)).correct;
      if (key !== null) byKey.set(key, correct);
    }
    out.push({ key, correct, weight: sample.weight, tokens: sample.tokens });
  }
  return out;
}

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
