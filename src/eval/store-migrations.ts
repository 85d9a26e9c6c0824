/**
 * Versioned schema migrations, shared by the SQLite and Postgres stores. Each store keeps an
 * ordered list (the same versions and names in both, each in its own SQL), applies the ones a store
 * lacks in one transaction, and records them in `schema_migrations`. A store written by a newer
 * deliberate (a version this one does not know) is refused rather than misread.
 */
import { DeliberateError } from "../errors.ts";

/** One step of the schema. `up` runs inside the transaction that records it. */
export interface Migration<Db> {
  /** 1, 2, 3, … with no gaps: the store's schema version once applied. */
  version: number;
  /** What it changes, stored beside the version. */
  name: string;
  up: (db: Db) => void | Promise<void>;
}

/** The table both stores record their migrations in. */
export const migrationsTableName = "schema_migrations";

/**
 * The migrations of `list` a store at versions `applied` still needs, in order. Throws when the
 * store has a version this list lacks (written by a newer deliberate), naming both versions.
 */
export function pendingMigrations<Db>(
  list: readonly Migration<Db>[],
  applied: readonly number[],
  label: string,
): Migration<Db>[] {
  const latest = list.at(-1)?.version ?? 0;
  const newest = Math.max(0, ...applied);
  if (newest > latest) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `eval store ${label} has schema version ${newest}, newer than this deliberate knows (${latest}): it was written by a newer version of deliberate; upgrade deliberate to use it`,
    );
  }
  const done = new Set(applied);
  return list.filter((migration) => !done.has(migration.version));
}

/** The latest schema version of a migration list (what a freshly opened store is at). */
export function latestVersion(list: readonly { version: number }[]): number {
  return list.at(-1)?.version ?? 0;
}
