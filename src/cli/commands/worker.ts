/**
 * `deliberate worker --queue redis://…`: runs the items that `deliberate eval … --queue` (and
 * `distill … --queue`) enqueue, until stopped. A thin shell over `startQueueWorker`.
 *
 * SIGTERM (or SIGINT) once: take no more items, finish the current ones, exit. Twice: hand the
 * current ones back to the queue unfinished, for another worker, and exit.
 */
import { Command } from "commander";
import { startQueueWorker, type WorkerItemEvent } from "../../queue/queue-worker.ts";
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
      "how often to look for items of killed workers (default 30000)",
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
          if (flags.verbose || event.error) log(describe(event));
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
            log("handing the current items back");
            worker.handBack().then(resolve, resolve);
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
  const { item, record, error, handedBack, ms } = event;
  const what = `${item.cell} ${item.itemId} seed ${item.seed}`;
  if (handedBack) return `${what}: handed back`;
  if (error) return `${what}: failed: ${error}`;
  return `${what}: ${record?.status === "ok" ? (record.correct ? "correct" : "wrong") : "error"} in ${ms} ms`;
}
