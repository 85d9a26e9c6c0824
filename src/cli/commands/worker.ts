/**
 * `deliberate worker --queue redis://…`: runs the items that `deliberate eval … --queue` (and
 * `distill … --queue`) enqueue, until stopped. A thin shell over `startQueueWorker`.
 *
 * SIGTERM (or SIGINT) once: take no more items, finish the current ones, exit. Twice: hand the
 * current ones back to the queue unfinished, for another worker, and exit. Three times: exit at
 * once (the lapsed locks return what it held).
 */
import { Command } from "commander";
import { startQueueWorker, type WorkerItemEvent } from "../../queue/queue-worker.ts";
import { exitCodes } from "../exit-codes.ts";
import { integer } from "../parse-number.ts";

interface WorkerFlags {
  queue: string;
  concurrency: number;
  id?: string;
  queueName?: string;
  lockDuration?: number;
  stalledInterval?: number;
  slotLease?: number;
  verbose?: boolean;
}

export function workerCommand(): Command {
  return new Command("worker")
    .description("Run queued eval items from Redis (`deliberate eval … --queue`) until stopped.")
    .requiredOption("--queue <url>", "the coordinator's Redis: redis://host:port[/db]")
    .option("--concurrency <n>", "items in flight in this worker", integer(1), 4)
    .option("--id <name>", "this worker's name in the coordinator's counts (default HOST-PID)")
    .option("--queue-name <name>", "the BullMQ queue (default eval)")
    .option(
      "--lock-duration <ms>",
      "job lock life; a killed worker's items return this long after (default 30000)",
      integer(100),
    )
    .option(
      "--stalled-interval <ms>",
      "how often to look for items of killed workers; give every worker of a queue the same (default 30000)",
      integer(100),
    )
    .option(
      "--slot-lease <ms>",
      "life of a shared endpoint slot without renewal (default 30000)",
      integer(100),
    )
    .option("-v, --verbose", "a line per item")
    .action(async (flags: WorkerFlags) => {
      const log = (line: string) => process.stderr.write(`worker ${worker.id}: ${line}\n`);
      const worker = startQueueWorker({
        url: flags.queue,
        concurrency: flags.concurrency,
        ...(flags.id ? { id: flags.id } : {}),
        ...(flags.queueName ? { queueName: flags.queueName } : {}),
        ...(flags.lockDuration ? { lockDurationMs: flags.lockDuration } : {}),
        ...(flags.stalledInterval ? { stalledIntervalMs: flags.stalledInterval } : {}),
        ...(flags.slotLease ? { slotLeaseMs: flags.slotLease } : {}),
        onItem: (event) => {
          if (flags.verbose || event.kind === "failed") log(describe(event));
        },
      });
      let stops = 0;
      const stopped = new Promise<void>((resolve) => {
        const stop = () => {
          stops++;
          if (stops === 1) {
            log("stopping: finishing the current items (signal again to hand them back)");
            worker.close().then(resolve, resolve);
          } else if (stops === 2) {
            log("handing the current items back (signal again to exit at once)");
            worker.handBack().then(resolve, resolve);
          } else {
            // Closing waits on Redis; with Redis gone it could wait forever. Items still held come
            // back to the queue when their locks lapse.
            log("exiting now");
            process.exit(exitCodes.ABORTED);
          }
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      });
      try {
        await worker.ready;
      } catch (error) {
        await worker.close();
        throw error;
      }
      // Tests and supervisors wait for this line.
      log(`ready on ${flags.queueName ?? "eval"}, ${flags.concurrency} at once`);
      await stopped;
      log(`stopped after ${worker.processed} items`);
    });
}

function describe(event: WorkerItemEvent): string {
  const what = `${event.item.cell} ${event.item.itemId} seed ${event.item.seed}`;
  switch (event.kind) {
    case "done": {
      const { record } = event;
      return `${what}: ${record.status === "ok" ? (record.correct ? "correct" : "wrong") : "error"} in ${event.ms} ms`;
    }
    case "failed":
      return `${what}: failed: ${event.error}`;
    case "handed-back":
      return `${what}: handed back`;
    default:
      return event satisfies never;
  }
}
