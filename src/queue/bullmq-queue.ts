/**
 * `BullmqQueue`: the coordinator's side of a distributed run. It stores the run's description in
 * Redis once, enqueues every unfinished item as a BullMQ job whose id is the item's (`workItemId`),
 * and follows the jobs to the end; `deliberate worker` processes (`startQueueWorker`) run them.
 *
 * - A duplicate is nothing: an item enqueued again (a restarted coordinator) while its job lives is
 *   the same job, and a job run twice (a worker killed after storing, before completing) upserts
 *   the same record key. The coordinator counts each item once, whatever it hears.
 * - Retries: a job whose worker threw (a store that was away, a plan the worker cannot load) is
 *   tried `attempts` times with exponential backoff; a worker killed mid-item loses its lock and
 *   another worker's stalled check hands the item on (see `startQueueWorker`).
 * - Results travel through the store, not Redis: a finished job returns only its worker's id, and
 *   the coordinator reads the record back, which also catches workers writing to another store.
 * - Events can be lost (Redis trims its event stream; a connection drops): when none arrives for
 *   `reconcileMs`, the coordinator asks Redis for the state of the items it still waits on.
 */
import { Queue, QueueEvents } from "bullmq";
import { requireIntegers } from "../util/require-integers.ts";
import { closeAll, connectRedis } from "./connect-redis.ts";
import { defaultQueueName, keyPrefix, runKey, runTtlSeconds } from "./redis-names.ts";
import { parseRedisUrl, redact } from "./redis-url.ts";
import type { QueuedRun, WorkBatch, WorkJobData, WorkJobResult, WorkKey, WorkQueue } from "./types.ts";
import { queuedRunId, workItemId } from "./work-item.ts";

export interface BullmqQueueOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  /** The run as workers rebuild it, less its id (derived) and its store (the runner's). */
  run: Omit<QueuedRun, "runId" | "store">;
  /** The BullMQ queue, shared with the workers. Default `eval`. */
  queueName?: string;
  /** Tries per item before it fails for good, >= 1. Default 3. */
  attempts?: number;
  /** Delay before the first retry, ms, doubling with each. Default 2_000. */
  backoffMs?: number;
  /** Silence after which the items still awaited are looked up, ms. Default 5_000. */
  reconcileMs?: number;
  /** Notes for the user (the run id, no worker listening); the CLI prints them. Default: none. */
  log?: (line: string) => void;
}

/** Jobs added per round trip. */
const addChunk = 500;
/** Items looked up per reconciliation. */
const reconcileChunk = 500;

export class BullmqQueue implements WorkQueue {
  readonly kind = "bullmq";
  readonly #url: string;
  readonly #run: BullmqQueueOptions["run"];
  readonly #queueName: string;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #reconcileMs: number;
  readonly #log: (line: string) => void;

  constructor(options: BullmqQueueOptions) {
    const { queueName = defaultQueueName, attempts = 3, backoffMs = 2_000, reconcileMs = 5_000 } = options;
    this.#url = parseRedisUrl(options.url);
    requireIntegers([
      ["attempts", attempts, 1],
      ["backoffMs", backoffMs, 0],
      ["reconcileMs", reconcileMs, 1],
    ]);
    this.#run = options.run;
    this.#queueName = queueName;
    this.#attempts = attempts;
    this.#backoffMs = backoffMs;
    this.#reconcileMs = reconcileMs;
    this.#log = options.log ?? (() => {});
  }

  async run(batch: WorkBatch): Promise<void> {
    const { groups, store, storeSpec, signal, onDone, onFailed } = batch;
    const described = { ...this.#run, store: storeSpec };
    const run: QueuedRun = { runId: queuedRunId(described), ...described };
    const pending = new Map<string, WorkKey>();
    for (const { tasks } of groups) {
      for (const task of tasks) {
        const key = { cell: task.cell, itemId: task.item.id, seed: task.seed };
        pending.set(workItemId(run.runId, key), key);
      }
    }
    if (pending.size === 0 || signal?.aborted) return;

    const where = redact(this.#url);
    // Redis answers before any BullMQ object exists: one built on no connection may never close.
    const redis = await connectRedis(this.#url);
    const connection = { url: this.#url, maxRetriesPerRequest: null };
    const queue = new Queue<WorkJobData, WorkJobResult>(this.#queueName, { connection, prefix: keyPrefix });
    const events = new QueueEvents(this.#queueName, { connection, prefix: keyPrefix });
    // Connection trouble shows as failed commands (below); an 'error' event without a listener would crash.
    queue.on("error", () => {});
    events.on("error", () => {});

    // Items settle one at a time, in the order they were heard: each reads its record back.
    let settling = Promise.resolve();
    let settleError: unknown;
    let lastHeard = Date.now();
    let allIn!: () => void;
    const finished = new Promise<void>((resolve) => {
      allIn = resolve;
    });
    const settle = (id: string, outcome: Outcome): void => {
      lastHeard = Date.now();
      const key = pending.get(id);
      if (!key) return; // another run's job, or heard twice
      pending.delete(id);
      settling = settling
        .then(async () => {
          if (settleError !== undefined) return;
          if (outcome.heard === "failed") onFailed({ ...key, reason: outcome.reason });
          else {
            const record = await store.getRecord(key.cell, key.itemId, key.seed);
            const worker = outcome.heard === "completed" ? outcome.worker : "unknown";
            if (record) onDone({ ...key, record, worker });
            else {
              onFailed({
                ...key,
                reason:
                  outcome.heard === "completed"
                    ? `worker ${worker} finished it, but the store ${store.label} has no record of it: do the workers open the same store (one SQLite file on a shared filesystem, or Postgres)?`
                    : `its job ended unheard and the store ${store.label} has no record of it (a failure whose event was lost)`,
              });
            }
          }
          if (pending.size === 0) allIn();
        })
        .catch((error: unknown) => {
          // The coordinator's own store failed: the run stops with that error.
          settleError = error;
          allIn();
        });
    };
    events.on("completed", ({ jobId, returnvalue }) => {
      const worker = (returnvalue as WorkJobResult | undefined)?.worker ?? "unknown";
      settle(jobId, { heard: "completed", worker });
    });
    events.on("failed", ({ jobId, failedReason }) =>
      settle(jobId, { heard: "failed", reason: failedReason }),
    );

    let reconciler: NodeJS.Timeout | undefined;
    try {
      // Listening before the first job is added, so no completion goes unheard.
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      await redis.set(runKey(run.runId), JSON.stringify(run), "EX", runTtlSeconds);
      const jobOptions = {
        attempts: this.#attempts,
        backoff: { type: "exponential", delay: this.#backoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      };
      const ids = [...pending.keys()];
      for (let at = 0; at < ids.length && !signal?.aborted; at += addChunk) {
        await queue.addBulk(
          ids.slice(at, at + addChunk).map((id) => ({
            name: "item",
            data: { runId: run.runId, ...pending.get(id)! },
            opts: { ...jobOptions, jobId: id },
          })),
        );
      }
      this.#log(
        `run ${run.runId}: ${ids.length} items on queue \`${this.#queueName}\` at ${where}, store ${store.label}`,
      );
      if ((await queue.getWorkersCount()) === 0) {
        this.#log(`no worker is listening yet: start some with \`deliberate worker --queue ${where}\``);
      }

      let cursor = 0;
      const reconcile = async () => {
        if (Date.now() - lastHeard < this.#reconcileMs || pending.size === 0) return;
        lastHeard = Date.now();
        // A window that moves on each time, so items still waiting at the front hide none behind them.
        const awaited = [...pending.keys()];
        cursor %= awaited.length;
        const window = awaited.slice(cursor, cursor + reconcileChunk);
        cursor += reconcileChunk;
        for (const id of window) {
          const state = await queue.getJobState(id);
          // Finished jobs are removed at once, so a job that is gone has finished: its record says how.
          if (state === "completed" || state === "unknown") settle(id, { heard: "gone" });
          else if (state === "failed")
            settle(id, { heard: "failed", reason: "its job failed (the reason was lost)" });
        }
      };
      reconciler = setInterval(() => {
        reconcile().catch(() => {}); // Redis away: the next tick tries again
      }, this.#reconcileMs);

      await Promise.race([finished, abortion(signal)]);
      await settling;
      if (settleError !== undefined) throw settleError;
      if (pending.size === 0) await redis.del(runKey(run.runId));
    } finally {
      clearInterval(reconciler);
      await closeAll([() => events.close(), () => queue.close(), () => redis.quit()]);
      redis.disconnect();
    }
  }
}

/** How the coordinator learnt that an item's job ended: an event, or a job found gone when events went quiet. */
type Outcome =
  | { heard: "completed"; worker: string }
  | { heard: "failed"; reason: string }
  | { heard: "gone" };

/** Resolves when the signal aborts (never without one). */
function abortion(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener("abort", () => resolve(), { once: true });
  });
}
