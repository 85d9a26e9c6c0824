/**
 * `startQueueWorker`: a `deliberate worker` process's engine. It takes items off the BullMQ queue,
 * rebuilds each run once from its description in Redis (models through this machine's registry,
 * datasets and config as the coordinator loaded them), and runs every item with the runner's own
 * `executeTask` — the same solve, grade and store as a local run — then flushes the store before
 * completing the job, so the coordinator reads the record back the moment it hears of it.
 *
 * - Shared endpoint limits: every OpenAI-compatible backend it opens takes a Redis slot per request
 *   (`RedisSlotLimiter`), so `maxInFlightPerEndpoint` holds across all workers together.
 * - A worker killed mid-item stops renewing its job locks; after `lockDurationMs` another worker's
 *   stalled check (every `stalledIntervalMs`) puts the item back, and someone runs it again. Its
 *   record is an upsert by (cell, item, seed), so it counts once.
 * - `close()` stops taking items and lets the current ones finish; `handBack()` aborts them and
 *   puts them back on the queue at once, unfinished and unstored, for another worker.
 */
import { hostname } from "node:os";
import { type Job, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { DeliberateError, toDeliberateError } from "../errors.ts";
import { cellKey, cellRuns } from "../eval/cell-key.ts";
import { createItemGrader } from "../eval/grade-item.ts";
import { resolvePlanModels } from "../eval/run-plan.ts";
import { cellBackends, executeTask } from "../eval/runner.ts";
import type { SolveContext, SolveTask } from "../eval/solve-item.ts";
import { openStore } from "../eval/store.ts";
import type { ResultStore } from "../eval/store-types.ts";
import type { EvalItem, EvalRecord } from "../eval/types.ts";
import { ModelRegistry } from "../models/registry.ts";
import { requireIntegers } from "../util/require-integers.ts";
import { closeAll, connectRedis } from "./connect-redis.ts";
import { RedisSlotLimiter } from "./redis-limiter.ts";
import { defaultQueueName, keyPrefix, runKey } from "./redis-names.ts";
import { parseRedisUrl, redact } from "./redis-url.ts";
import type { QueuedRun, WorkJobData, WorkJobResult, WorkKey } from "./types.ts";

export interface QueueWorkerOptions {
  /** `redis://host:port[/db]`, the coordinator's. */
  url: string;
  /** Items in flight in this worker, >= 1. Default 4. */
  concurrency?: number;
  /** Its name in the coordinator's per-worker counts. Default `HOSTNAME-PID`. */
  id?: string;
  /** The BullMQ queue. Default `eval`. */
  queueName?: string;
  /**
   * Life of a job's lock, ms, renewed every half of it while the item runs: a killed worker's items
   * go back on the queue at most this long (plus a stalled check) after it died. Default 30_000.
   */
  lockDurationMs?: number;
  /**
   * How often this worker looks for items of killed workers, ms. Default 30_000. BullMQ throttles
   * the check queue-wide by the interval of the worker that checked last: give every worker of a
   * queue the same.
   */
  stalledIntervalMs?: number;
  /** Times an item may be taken back from a worker that died before it fails for good, >= 1. Default 3. */
  maxStalledCount?: number;
  /** Life of a shared endpoint slot without renewal, ms (see `RedisSlotLimiter`). Default 30_000. */
  slotLeaseMs?: number;
  /** Runs kept loaded (models open) at once; the least recently used is closed first. Default 2. */
  keepRuns?: number;
  /** Called after each item this worker finishes or fails (the CLI's log lines). */
  onItem?: (event: WorkerItemEvent) => void;
}

/** What became of one item this worker took, and how long it took, ms. */
export type WorkerItemEvent =
  /** Solved, graded, stored and completed. */
  | { kind: "done"; item: WorkJobData; record: EvalRecord; ms: number }
  /** It threw before a record was stored (retried, or failed for good after its attempts). */
  | { kind: "failed"; item: WorkJobData; error: string; ms: number }
  /** Aborted by `handBack()` and put back on the queue, unstored. */
  | { kind: "handed-back"; item: WorkJobData; ms: number };

export interface QueueWorker {
  readonly id: string;
  /** Items this worker finished (stored and completed). */
  readonly processed: number;
  /** Resolves once connected to Redis and taking items. */
  ready: Promise<void>;
  /** Stops taking items, lets the current ones finish, disconnects, closes its models and stores. */
  close(): Promise<void>;
  /** Stops taking items and puts the current ones back on the queue unfinished; then as `close`. */
  handBack(): Promise<void>;
}

/** A run loaded on this worker, with how many of its items are running. */
interface CachedRun {
  loading: Promise<LoadedRun>;
  active: number;
  /** Dropped from the cache: closed when `active` reaches 0. */
  evicted: boolean;
}

/** Closes a run's models once it has loaded (a failed load has nothing open). */
function closeRun(run: CachedRun): Promise<void> {
  return run.loading.then(
    (loaded) => loaded.close(),
    () => {},
  );
}

/** A run rebuilt on this worker. */
interface LoadedRun {
  store: ResultStore;
  context: Omit<SolveContext, "signal">;
  task(key: WorkKey): SolveTask;
  close(): Promise<void>;
}

export function startQueueWorker(options: QueueWorkerOptions): QueueWorker {
  const {
    concurrency = 4,
    id = `${hostname()}-${process.pid}`,
    queueName = defaultQueueName,
    lockDurationMs = 30_000,
    stalledIntervalMs = 30_000,
    maxStalledCount = 3,
    slotLeaseMs = 30_000,
    keepRuns = 2,
    onItem,
  } = options;
  const url = parseRedisUrl(options.url);
  requireIntegers([
    ["concurrency", concurrency, 1],
    ["lockDurationMs", lockDurationMs, 100],
    ["stalledIntervalMs", stalledIntervalMs, 100],
    ["maxStalledCount", maxStalledCount, 1],
    ["keepRuns", keepRuns, 1],
  ]);
  const where = redact(url);
  // Connected in `ready`, before any job can run.
  let redis: Redis | undefined;
  let limiter: RedisSlotLimiter | undefined;
  let worker: Worker<WorkJobData, WorkJobResult> | undefined;
  const stores = new Map<string, Promise<ResultStore>>();
  // Most recently used last.
  const runs = new Map<string, CachedRun>();
  let processed = 0;

  const storeOf = (spec: string): Promise<ResultStore> => {
    let store = stores.get(spec);
    if (!store) {
      store = openStore(spec);
      stores.set(spec, store);
      store.catch(() => stores.delete(spec));
    }
    return store;
  };

  const load = async (runId: string): Promise<LoadedRun> => {
    const json = await redis!.get(runKey(runId));
    if (json === null) {
      throw new DeliberateError(
        "NOT_FOUND",
        `run ${runId} is not described in Redis at ${where} (finished and cleaned up, expired, or enqueued on another Redis)`,
      );
    }
    const run = JSON.parse(json) as QueuedRun;
    const store = await storeOf(run.store);
    const registry = new ModelRegistry({
      config: run.config,
      threads: run.plan.threads,
      contextSize: run.plan.contextSize,
      slotLimiter: limiter!,
    });
    try {
      const models = await resolvePlanModels(run.plan, run.strategies, registry);
      const cells = new Map<string, Omit<SolveTask, "item" | "seed"> & { items: Map<string, EvalItem> }>();
      for (const model of models) {
        const { backends, roles } = cellBackends(model, store);
        for (const strategy of run.strategies) {
          if (!cellRuns(model, strategy)) continue;
          for (const dataset of run.datasets) {
            cells.set(cellKey(model, strategy, dataset), {
              cell: cellKey(model, strategy, dataset),
              model,
              backend: backends.policy,
              backends,
              roles,
              strategy,
              dataset,
              items: new Map(dataset.items.map((item) => [item.id, item])),
            });
          }
        }
      }
      return {
        store,
        context: {
          grader: createItemGrader({ mode: run.plan.grader }),
          budget: run.plan.budget,
          systemPrompt: run.plan.systemPrompt,
          keepSampleTexts: run.keepSampleTexts,
        },
        task: ({ cell, itemId, seed }) => {
          const found = cells.get(cell);
          const item = found?.items.get(itemId);
          if (!found || !item) {
            throw new DeliberateError(
              "NOT_FOUND",
              `run ${runId} has no ${found ? `item \`${itemId}\` in` : ""} cell \`${cell}\` on worker ${id}`,
            );
          }
          const { items: _items, ...task } = found;
          return { ...task, item, seed };
        },
        close: () => registry.close(),
      };
    } catch (error) {
      await registry.close();
      throw error;
    }
  };

  /** The run, loaded once and kept while recently used; `release` when its item is done. */
  const acquire = (runId: string): CachedRun => {
    let run = runs.get(runId);
    if (run) runs.delete(runId);
    else {
      run = { loading: load(runId), active: 0, evicted: false };
      const failed = run;
      run.loading.catch(() => {
        if (runs.get(runId) === failed) runs.delete(runId);
      });
    }
    runs.set(runId, run);
    run.active++;
    while (runs.size > keepRuns) {
      const [oldest, evicted] = runs.entries().next().value!;
      runs.delete(oldest);
      evicted.evicted = true;
      // Its models close once its last running item is done, never under one.
      if (evicted.active === 0) closeRun(evicted);
    }
    return run;
  };
  const release = (run: CachedRun): void => {
    run.active--;
    if (run.evicted && run.active === 0) closeRun(run);
  };

  const processJob = async (
    job: Job<WorkJobData, WorkJobResult>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<WorkJobResult> => {
    const started = Date.now();
    const item = job.data;
    const cached = acquire(item.runId);
    try {
      const run = await cached.loading;
      const record = await executeTask(run.task(item), { ...run.context, signal }, run.store);
      if (!record) {
        // Handed back: unstored, to the front of the queue for another worker. A lock lost
        // meanwhile means the stalled check returns it instead.
        await job.moveToWait(token).catch(() => {});
        onItem?.({ kind: "handed-back", item, ms: Date.now() - started });
        throw new WaitingError();
      }
      await run.store.flush();
      processed++;
      onItem?.({ kind: "done", item, record, ms: Date.now() - started });
      return { worker: id };
    } catch (error) {
      if (error instanceof WaitingError) throw error;
      const failure = toDeliberateError(error);
      onItem?.({
        kind: "failed",
        item,
        error: `${failure.code}: ${failure.message}`,
        ms: Date.now() - started,
      });
      throw failure;
    } finally {
      release(cached);
    }
  };

  let closing: Promise<void> | undefined;
  let listening = false;
  const ready = (async () => {
    // Redis answers before the BullMQ worker exists: one built on no connection never closes.
    redis = await connectRedis(url);
    if (closing) return;
    limiter = new RedisSlotLimiter({ url, leaseMs: slotLeaseMs });
    worker = new Worker<WorkJobData, WorkJobResult>(queueName, processJob, {
      connection: { url, maxRetriesPerRequest: null },
      prefix: keyPrefix,
      name: id,
      concurrency,
      lockDuration: lockDurationMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount,
    });
    // Connection trouble is retried by ioredis; an 'error' event without a listener would crash.
    worker.on("error", () => {});
    await worker.waitUntilReady();
    listening = true;
  })();
  // The caller awaits `ready`; close() copes with it failed.
  ready.catch(() => {});

  const close = (): Promise<void> => {
    closing ??= (async () => {
      await ready.catch(() => {});
      // A worker that never got going has nothing to finish, and waiting on it could hang.
      await worker?.close(!listening);
      await Promise.allSettled([...runs.values()].map((run) => closeRun(run)));
      runs.clear();
      await Promise.allSettled([...stores.values()].map(async (store) => (await store).close()));
      stores.clear();
      await limiter?.close();
      await closeAll([() => redis?.quit()]);
      redis?.disconnect();
    })();
    return closing;
  };

  return {
    id,
    get processed() {
      return processed;
    },
    ready,
    close,
    handBack: () => {
      worker?.cancelAllJobs("handed back");
      return close();
    },
  };
}
