/**
 * The default queue: every task runs in this process, each model's tasks at that model's
 * concurrency, in the runner's order.
 */
import type { WorkBatch, WorkQueue } from "./types.ts";

/** The worker id that local runs report. */
export const localWorker = "local";

export const inProcessQueue: WorkQueue = {
  kind: "in-process",
  async run({ groups, execute, signal, onDone }: WorkBatch): Promise<void> {
    await Promise.all(
      groups.map(async ({ concurrency, tasks }) => {
        let next = 0;
        const lane = async () => {
          while (next < tasks.length && !signal?.aborted) {
            const task = tasks[next++];
            const record = await execute(task);
            if (record) {
              onDone({ cell: task.cell, itemId: task.item.id, seed: task.seed, record, worker: localWorker });
            }
          }
        };
        const width = Math.max(1, Math.min(concurrency, tasks.length));
        await Promise.all(Array.from({ length: width }, lane));
      }),
    );
  },
};
