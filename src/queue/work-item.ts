/**
 * Stable ids for runs and their items. An item's id is its job id in BullMQ, which takes custom
 * ids that contain no `:` and are not integers: a letter and hex digits are both.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../eval/caching-backend.ts";
import type { QueuedRun, WorkItem, WorkKey } from "./types.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The run's id: a hash of everything workers rebuild it from (the store included), so the same
 * plan enqueued again — a coordinator restarted — finds its jobs, and two runs into different
 * stores never share one.
 */
export function queuedRunId(run: Omit<QueuedRun, "runId">): string {
  return `r${sha256(canonicalJson(run)).slice(0, 24)}`;
}

/** `w` + 32 hex digits of sha256(run, cell, item, seed). */
export function workItemId(runId: string, key: WorkKey): string {
  return `w${sha256(`${runId}\u0000${key.cell}\u0000${key.itemId}\u0000${key.seed}`).slice(0, 32)}`;
}

export function workItem(runId: string, key: WorkKey): WorkItem {
  return { id: workItemId(runId, key), runId, cell: key.cell, itemId: key.itemId, seed: key.seed };
}
