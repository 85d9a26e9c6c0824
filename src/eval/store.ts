/**
 * The eval store: every completion, keyed by what produced it, and every graded record, keyed by
 * (cell, item, seed). Both writes are idempotent upserts, so a run killed at any point (even with
 * SIGKILL) resumes where it stopped: finished records are skipped, errors are retried, and nothing
 * is counted twice. Re-running or widening a sweep (more samples, more seeds) finds its completions
 * here instead of calling the model again.
 *
 * A store is named by a spec: a file path (SQLite, the default) or a `postgres://` URL (one store
 * shared by many machines). `openStore` picks; both sit behind `ResultStore`.
 */
import { DeliberateError } from "../errors.ts";
import { isPostgresSpec, resolveStoreSpec } from "./store-spec.ts";
import { SqliteStore } from "./store-sqlite.ts";
import type { ResultStore } from "./store-types.ts";

export { finishedKey } from "./store-common.ts";
export { isPostgresSpec, redactStoreSpec, resolveStoreSpec } from "./store-spec.ts";
export { SqliteStore } from "./store-sqlite.ts";
export type {
  AppliedMigration,
  ResultStore,
  SampleOrigin,
  StoredSample,
  StoreVerification,
} from "./store-types.ts";

/** Opens the store a spec names: Postgres for a `postgres://` URL, else a SQLite file (created if missing). */
export async function openStore(spec: string): Promise<ResultStore> {
  if (spec.trim() === "")
    throw new DeliberateError("BAD_REQUEST", "empty eval store spec", { param: "store" });
  if (isPostgresSpec(spec)) {
    // Loaded only when asked for: runs on one machine never load `pg`.
    const { PostgresStore } = await import("./store-postgres.ts");
    return PostgresStore.open(spec);
  }
  return SqliteStore.open(resolveStoreSpec(spec));
}
