/** What the SQLite and Postgres stores share beyond their contract: keys, digests, batching, rows. */
import { createHash } from "node:crypto";
import type { Completion } from "../models/types.ts";
import type { SampleOrigin, StoredSample, StoreVerification } from "./store-types.ts";

/** The sha256 of a stored text: a sample's digest, a request's hash. */
export const digestOf = (text: string) => createHash("sha256").update(text).digest("hex");

/** The key `finished()` reports an attempt under. */
export function finishedKey(itemId: string, seed: number): string {
  return `${itemId}\u0000${seed}`;
}

/** Writes wait at most this long, or this many, before one transaction commits them together. */
export const flushAfterMs = 50;
export const flushAfterWrites = 1024;

/** Samples read per page by `samples()`. */
export const samplesPage = 1000;

/** A row of the `completions` table, as both stores select it. */
export interface CompletionRow {
  key: string;
  backend: string;
  completion: string;
  digest: string | null;
  request: string | null;
  seed: number | null;
  call: string | null;
}

/** Counts one stored sample into a verification: unchecked, corrupt, mismatched, or fine. */
export function checkSample(row: CompletionRow, result: StoreVerification): void {
  result.completions++;
  if (row.digest === null) {
    result.unchecked++;
    return;
  }
  if (digestOf(row.completion) !== row.digest) {
    result.corrupt.push(row.key);
    return;
  }
  const completion = JSON.parse(row.completion) as Completion;
  if (row.seed !== null && completion.seed !== row.seed) result.mismatched.push(row.key);
}

/** A completions row as `samples()` yields it. */
export function storedSample(row: CompletionRow): StoredSample {
  return {
    key: row.key,
    backend: row.backend,
    completion: JSON.parse(row.completion) as Completion,
    ...(row.request === null ? {} : { request: row.request }),
    ...(row.seed === null ? {} : { seed: row.seed }),
    ...(row.call === null ? {} : { call: JSON.parse(row.call) as SampleOrigin["call"] }),
  };
}
