/** Names the coordinator and workers must agree on in Redis. */

/** Prefix of every key deliberate writes (BullMQ's queues included; BullMQ's own default is `bull`). */
export const keyPrefix = "deliberate";

/** The BullMQ queue eval items go through, unless a run names another. */
export const defaultQueueName = "eval";

/** Where a run's description (`QueuedRun`) lives; beside the queues' keys, never among them. */
export function runKey(runId: string): string {
  return `${keyPrefix}:runs:${runId}`;
}

/** A run's description outlives its enqueueing by this long: workers need it until its last item. */
export const runTtlSeconds = 7 * 24 * 3600;
