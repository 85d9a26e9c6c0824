/**
 * How a run's items get done: the contract between the eval runner, which plans the grid and
 * accounts for every finished item, and a `WorkQueue`, which gets them done — in this process (the
 * default, `inProcessQueue`) or on BullMQ workers over Redis (`BullmqQueue`, `startQueueWorker`).
 * Either way an item is executed by the runner's one code path (`executeTask`: solve, grade, store),
 * so a distributed run writes the same records as a local one. Type-only.
 */

import type { StrategySpec } from "../eval/cell-key.ts";
import type { EvalPlan } from "../eval/eval-plan.ts";
import type { SolveTask } from "../eval/solve-item.ts";
import type { ResultStore } from "../eval/store-types.ts";
import type { Dataset, EvalRecord } from "../eval/types.ts";
import type { DeliberateConfig } from "../models/config.ts";

/** Where an item sits in a run's grid: the store's record key. */
export interface WorkKey {
  cell: string;
  itemId: string;
  seed: number;
}

/** One unit of distributed work: one (cell, item, seed) of one run. */
export interface WorkItem extends WorkKey {
  /**
   * `w` + 32 hex digits of sha256(run, cell, item, seed) (see `workItemId`): the BullMQ job id, so
   * an item enqueued twice (a restarted coordinator) is one job, and its record one row.
   */
  id: string;
  /** The run it belongs to (`QueuedRun.runId`). */
  runId: string;
}

/** An item done: the record the store now holds for it, and who ran it. */
export interface WorkDone extends WorkKey {
  record: EvalRecord;
  /** The worker's id (`local` in this process). */
  worker: string;
}

/** An item that could not be run at all (its job failed for good); it stays unfinished in the store. */
export interface WorkFailed extends WorkKey {
  reason: string;
}

/** The tasks of one model, with how many of them may be in flight at once in this process. */
export interface WorkGroup {
  concurrency: number;
  tasks: SolveTask[];
}

/** What the runner hands a queue. */
export interface WorkBatch {
  /** Every unfinished task, per model. */
  groups: WorkGroup[];
  /** Solves, grades and stores one task (the runner's `executeTask`); undefined when aborted. */
  execute(task: SolveTask): Promise<EvalRecord | undefined>;
  /** The run's store, where a distributed queue reads back the records its workers wrote. */
  store: ResultStore;
  /** The store's spec (an absolute path or a URL), which workers open. */
  storeSpec: string;
  /** Stops taking items; `run` resolves with what is done. */
  signal?: AbortSignal;
  /** Once per finished item, never twice for one key. */
  onDone(done: WorkDone): void;
  /** Once per item that failed for good. */
  onFailed(failed: WorkFailed): void;
}

export interface WorkQueue {
  /** For messages and progress: `in-process` or `bullmq`. */
  readonly kind: "in-process" | "bullmq";
  /** Gets every task of the batch done (or failed); resolves early when the batch's signal aborts. */
  run(batch: WorkBatch): Promise<void>;
}

/**
 * A run as workers rebuild it: everything `runEval` gets besides live objects (backends, grader),
 * as data. The coordinator stores it in Redis once under its `runId`; each worker loads it once.
 */
export interface QueuedRun {
  /** sha256 of the rest (see `queuedRunId`): the same run enqueued again has the same id. */
  runId: string;
  /** The plan: models (resolved on each worker), budget, system prompt, grader, threads. */
  plan: EvalPlan;
  /** The coordinator's parsed config (models, endpoints, prices); API keys stay in workers' env. */
  config: DeliberateConfig;
  /** Strategies with options resolved, as the runner keys its cells. */
  strategies: StrategySpec[];
  /** The datasets with their items: workers need no dataset files. */
  datasets: Dataset[];
  /** The store spec every worker writes to (an absolute SQLite path on a shared filesystem, or Postgres). */
  store: string;
  /** Records keep each sample's full text (distillation). */
  keepSampleTexts: boolean;
}

/** The job data of one item: its key and run, never the run itself. */
export type WorkJobData = Omit<WorkItem, "id">;

/** What a worker returns for a finished job. */
export interface WorkJobResult {
  worker: string;
}
