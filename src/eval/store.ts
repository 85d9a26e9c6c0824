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
import { resolve } from "node:path";
import { DeliberateError } from "../errors.ts";
import { SqliteStore } from "./store-sqlite.ts";
import type { ResultStore } from "./store-types.ts";

export { finishedKey } from "./store-common.ts";
export { SqliteStore } from "./store-sqlite.ts";
export type {
  AppliedMigration,
  ResultStore,
  SampleOrigin,
  StoredSample,
  StoreVerification,
} from "./store-types.ts";

/** Whether a store spec names a Postgres database (`postgres://…` or `postgresql://…`). */
export function isPostgresSpec(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** A spec made absolute: file paths against the working directory; URLs and `:memory:` as they are. */
export function resolveStoreSpec(spec: string): string {
  return isPostgresSpec(spec) || spec === ":memory:" ? spec : resolve(spec);
}

/**
 * The spec as it may be shown and written down (`results.json`, messages): a URL's password,
 * in the user part or as a `password` parameter, becomes `***`.
 */
export function redactStoreSpec(spec: string): string {
  if (!isPostgresSpec(spec)) return spec;
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    // Not parseable: keep only the scheme and host part's shape, never a possible password.
    return spec.replace(/\/\/[^@/]*@/, "//***@");
  }
  if (url.password) url.password = "***";
  if (url.searchParams.has("password")) url.searchParams.set("password", "***");
  return url.toString().replace("%2A%2A%2A", "***");
}

/** Opens the store a spec names: Postgres for a `postgres://` URL, else a SQLite file (created if missing). */
export async function openStore(spec: string): Promise<ResultStore> {
  if (spec.trim() === "")
    throw new DeliberateError("BAD_REQUEST", "empty eval store spec", { param: "store" });
  if (isPostgresSpec(spec)) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `Postgres stores are not supported yet: ${redactStoreSpec(spec)}`,
      {
        param: "store",
      },
    );
  }
  return SqliteStore.open(resolveStoreSpec(spec));
}
