/**
 * `distill`: verified reasoning data from teachers (issue 15). Built on the eval runner, not beside
 * it: each teacher is a model of an eval plan whose strategy is `self-consistency` with `samples: k`
 * and no stopping rule (so all k are drawn), over the dataset. The runner solves, grades every
 * sample and stores each record as it finishes, with every completion cached in the same store, so a
 * killed run resumes where it stopped and repeats no model call; progress and budgets are the
 * runner's too. Then:
 *
 *   records ─► traces (graded by the runner) ─► [STaR pass on unsolved problems] ─► buildDataset
 *     (rejection sampling, pass rates, dedupe, mix, DPO pairs, prompts, manifest) ─► writeDataset
 *
 * The output folder holds the dataset files, `store.sqlite` (unless `store` points elsewhere) and the
 * passes' own run folders, `eval/` (its results.json gives each teacher's accuracy) and `star/`.
 */

import { join, resolve } from "node:path";
import { loadDataset } from "../eval/datasets/load-dataset.ts";
import { parseEvalPlan } from "../eval/eval-plan.ts";
import { runEvalPlan } from "../eval/run-plan.ts";
import type { RunEvalResult } from "../eval/runner.ts";
import { openStore } from "../eval/store.ts";
import type { Dataset, EvalItem } from "../eval/types.ts";
import { definedOnly } from "../util/defined-only.ts";
import { buildDataset } from "./build-dataset.ts";
import { tracesOfRecord } from "./collect-traces.ts";
import { type DistillOptions, type DistillSettings, parseDistillSettings } from "./distill-options.ts";
import { canHint, hintedDataset } from "./star.ts";
import type { DistilledTrace, DistillManifest, TraceSource } from "./types.ts";
import { writeDataset } from "./write-dataset.ts";

export interface DistillPass {
  /** The pass's run folder (`OUT/eval`, `OUT/star`) and its results.json. */
  resultsPath: string;
  /** Problems solved by this call, and found finished in the store. */
  solved: number;
  reused: number;
  /** Records that failed (model, strategy or grader errors): left out, retried by the next run. */
  errors: number;
}

export interface DistillResult {
  outDir: string;
  storePath: string;
  /** True when the signal aborted the run: nothing was written, and running again resumes it. */
  interrupted: boolean;
  /** The teachers' pass over the dataset, and the STaR pass when there was one. */
  passes: { eval: DistillPass; star?: DistillPass };
  /** What was written (absent when interrupted). */
  manifest?: DistillManifest;
}

/** Runs the distill pipeline end to end and writes the dataset folder. */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  const { progress, signal, backends, ...given } = options;
  const settings = parseDistillSettings(given);
  const outDir = resolve(settings.out);
  const loaded = await loadDataset(settings.dataset, {
    layout: settings.layout,
    ...(settings.fields ? { fields: settings.fields } : {}),
    limit: settings.maxProblems,
  });
  // Distill records carry sample texts; their own dataset name keeps them in cells of their own, so
  // an eval run sharing the store (whose records have no texts) is never mistaken for one.
  const dataset: Dataset = { ...loaded, name: `${loaded.name} (distill)` };
  const items = new Map(dataset.items.map((item) => [item.id, item]));
  const plan = parseEvalPlan({
    models: settings.teachers,
    strategies: [
      {
        name: "self-consistency",
        options: {
          samples: settings.samples,
          temperature: settings.temperature,
          ...(settings.maxCompletionTokens ? { maxTokens: settings.maxCompletionTokens } : {}),
        },
      },
    ],
    datasets: [settings.dataset],
    seeds: 1,
    baseSeed: settings.seed,
    out: join(outDir, "eval"),
    store: settings.store ?? join(outDir, "store.sqlite"),
    budget: settings.budget,
    rawPrompt: settings.rawPrompt,
    concurrency: settings.concurrency,
    grader: settings.grader,
    ...definedOnly({
      systemPrompt: settings.systemPrompt,
      queue: settings.queue,
      config: settings.config,
      threads: settings.threads,
      contextSize: settings.contextSize,
    }),
  });
  const runOptions = { progress, signal, backends, keepSampleTexts: true };

  const first = await runEvalPlan(plan, { ...runOptions, datasets: [dataset] });
  const evalPass = await collect(first, dataset, "sample", settings, items);
  const result: DistillResult = {
    outDir,
    storePath: first.storePath,
    interrupted: signal?.aborted ?? false,
    passes: { eval: evalPass.pass },
  };
  if (result.interrupted) return result;

  let rationales: DistilledTrace[] = [];
  if (settings.star) {
    const unsolved = unsolvedItems(dataset.items, evalPass.traces);
    if (unsolved.length > 0) {
      const hinted = hintedDataset(dataset, unsolved);
      const second = await runEvalPlan(
        { ...plan, out: join(outDir, "star") },
        { ...runOptions, datasets: [hinted] },
      );
      const starPass = await collect(second, hinted, "star", settings, items);
      result.passes.star = starPass.pass;
      if (signal?.aborted) return { ...result, interrupted: true };
      rationales = starPass.traces;
    }
  }

  const built = buildDataset(
    {
      spec: loaded.spec,
      items: dataset.items,
      teachers: settings.teachers,
      traces: [...evalPass.traces, ...rationales],
      settings: manifestSettings(settings, first),
      createdAt: new Date().toISOString(),
    },
    {
      dedupe: { threshold: settings.dedupeThreshold, ngram: settings.ngram, seed: settings.seed },
      ...(settings.mixLong === undefined
        ? {}
        : { mix: { longShare: settings.mixLong, longTokens: settings.longTokens, seed: settings.seed } }),
      dpoPairsPerProblem: settings.dpoPairsPerProblem,
    },
  );
  const { mix: _mix, ...data } = built;
  await writeDataset(outDir, data, settings.systemPrompt ? { systemPrompt: settings.systemPrompt } : {});
  return { ...result, manifest: built.manifest };
}

/**
 * The traces of one pass: every `ok` record of this run's seed and items, per teacher in the order
 * given. Records of other seeds or items in a shared store are not this run's.
 */
async function collect(
  run: RunEvalResult,
  dataset: Dataset,
  source: TraceSource,
  settings: DistillSettings,
  items: ReadonlyMap<string, EvalItem>,
): Promise<{ pass: DistillPass; traces: DistilledTrace[] }> {
  const ids = new Set(dataset.items.map((item) => item.id));
  const store = await openStore(run.storePath);
  const traces: DistilledTrace[] = [];
  let errors = 0;
  try {
    for (const teacher of settings.teachers) {
      const cell = run.results.cells.find((c) => c.policy === teacher && c.dataset === dataset.name);
      if (!cell) continue;
      for (const record of await store.records(cell.cell)) {
        if (record.seed !== settings.seed || !ids.has(record.itemId)) continue;
        if (record.status !== "ok") {
          errors++;
          continue;
        }
        traces.push(...tracesOfRecord(record, { teacher, source, items }));
      }
    }
  } finally {
    await store.close();
  }
  return {
    pass: { resultsPath: run.resultsPath, solved: run.solved, reused: run.skipped, errors },
    traces,
  };
}

/** Problems sampled but never solved by any teacher, which STaR can hint (they have a gold answer). */
function unsolvedItems(items: readonly EvalItem[], traces: readonly DistilledTrace[]): EvalItem[] {
  const attempted = new Set(traces.map((t) => t.problemId));
  const solved = new Set(traces.filter((t) => t.correct).map((t) => t.problemId));
  return items.filter((item) => attempted.has(item.id) && !solved.has(item.id) && canHint(item));
}

/**
 * The manifest's settings: what decides the output (no paths, no concurrency), and each teacher's
 * majority-vote accuracy over its k samples as the eval pass's results.json reports it.
 */
function manifestSettings(settings: DistillSettings, run: RunEvalResult): Record<string, unknown> {
  return definedOnly({
    k: settings.samples,
    temperature: settings.temperature,
    maxCompletionTokens: settings.maxCompletionTokens,
    seed: settings.seed,
    maxProblems: settings.maxProblems,
    budget: Object.keys(settings.budget).length ? settings.budget : undefined,
    rawPrompt: settings.rawPrompt || undefined,
    systemPrompt: settings.systemPrompt,
    dedupeThreshold: settings.dedupeThreshold,
    ngram: settings.ngram,
    star: settings.star,
    mixLong: settings.mixLong,
    longTokens: settings.mixLong === undefined ? undefined : settings.longTokens,
    dpoPairsPerProblem: settings.dpoPairsPerProblem,
    teacherAccuracy: Object.fromEntries(run.results.cells.map((cell) => [cell.policy, cell.accuracy])),
  });
}
