/**
 * The eval store's contract: what the runner, the caching backend, results, reports and
 * `deliberate store` need of a store, whichever database holds it (a SQLite file, or Postgres for
 * runs spread over many machines). Both implementations share one schema (versioned migrations)
 * and one set of semantics:
 *
 * - completions are keyed by what produced them; the first write of a key wins, and a row whose
 *   digest no longer matches its text is dropped on read (made again), never replayed;
 * - records are keyed by (cell, item, seed); a later write replaces the earlier one, so a failed
 *   attempt retried later counts once;
 * - writes are grouped, and a record commits in the same transaction as (or after) every
 *   completion stored before it: a stored record's samples are always stored too, so a run killed
 *   at any point resumes where it stopped.
 */
import type { Completion } from "../models/types.ts";
import type { Trace } from "../trace/types.ts";
import type { EvalRecord } from "./types.ts";

/** Where a stored sample came from: enough to check it belongs to its key and to make it again. */
export interface SampleOrigin {
  /** The backend's fingerprint (file, engine, threads, context) or id. */
  backend: string;
  /** Canonical JSON of the request without `n`, `seed` and `signal`. */
  request: string;
  /** The sample's own seed (request seed + index), or undefined for unseeded requests. */
  seed?: number;
  /**
   * The backend call that made it: its seed, its `n` and the sample's index in it. A sample is
   * remade exactly only by the same call (llama.cpp rounds a batch of n differently from one of 1).
   */
  call?: { seed?: number; n: number; index: number };
}

/** A stored sample with its origin, as `samples()` yields it. */
export interface StoredSample {
  key: string;
  backend: string;
  completion: Completion;
  /** The hash of the request it answered (see `ResultStore.request`); absent in old stores. */
  request?: string;
  seed?: number;
  call?: SampleOrigin["call"];
}

/** What `verify` found. */
export interface StoreVerification {
  /**
   * The database's own check: SQLite's `PRAGMA integrity_check` lines, `["ok"]` when the file is
   * sound. Postgres keeps its pages' soundness itself (checksums, WAL): `["ok"]` there means every
   * table was read through.
   */
  integrity: string[];
  completions: number;
  /** Rows whose stored digest does not match their completion (changed after they were written). */
  corrupt: string[];
  /** Rows whose completion contradicts its origin (another seed or backend than the row says). */
  mismatched: string[];
  /** Rows from stores written before samples carried a digest: readable, not checkable. */
  unchecked: number;
}

/** One applied schema migration, as recorded in the store's `schema_migrations` table. */
export interface AppliedMigration {
  version: number;
  name: string;
  /** Milliseconds since the epoch. */
  appliedAt: number;
}

/** The eval store, asynchronous so that a store on another machine fits behind it. */
export interface ResultStore {
  /** Which store this is, for messages and `results.json`: a file path, or a URL with its password redacted. */
  readonly label: string;

  /**
   * The samples stored under `keys`, in order (undefined where none is). Several keys at once: a
   * request for n samples is one round trip to a remote store, not n.
   */
  getCompletions(keys: readonly string[]): Promise<Array<Completion | undefined>>;
  /** Queues a sample; the first write of a key wins (a completion never changes once stored). */
  putCompletion(key: string, completion: Completion, origin?: SampleOrigin): Promise<void>;
  /** The request a stored sample answered (see `SampleOrigin.request`), by its hash. */
  request(hash: string): Promise<string | undefined>;
  /** Every stored sample with its origin, in key order, for `store verify --regenerate`. */
  samples(): AsyncIterable<StoredSample>;
  /** Checks every sample's digest, and that its recorded seed is the one its completion carries. */
  verify(): Promise<StoreVerification>;
  completionCount(): Promise<number>;

  getRecord(cell: string, itemId: string, seed: number): Promise<EvalRecord | undefined>;
  /**
   * Queues a record and its trace; a later write for the same (cell, item, seed) replaces it. It
   * commits with or after every completion queued before it.
   */
  putRecord(record: EvalRecord, trace?: Trace): Promise<void>;
  /** `itemId\u0000seed` (see `finishedKey`) of every finished (not failed) record of a cell. */
  finished(cell: string): Promise<Set<string>>;
  /** The records of a cell (or all), in the order they were last written. */
  records(cell?: string): Promise<EvalRecord[]>;
  /** The trace stored with a record (or, in older stores, under its `traceId`). */
  traceOf(record: Pick<EvalRecord, "cell" | "itemId" | "seed" | "traceId">): Promise<Trace | undefined>;
  /** A trace by id (a scan of the results: prefer `traceOf` when the record is at hand). */
  trace(id: string): Promise<Trace | undefined>;

  setMeta(key: string, value: unknown): Promise<void>;
  getMeta<T>(key: string): Promise<T | undefined>;
  /** The schema migrations applied to this store, oldest first. */
  migrations(): Promise<AppliedMigration[]>;

  /** Commits queued writes in one transaction. */
  flush(): Promise<void>;
  /** Flushes and closes; closing twice is harmless. */
  close(): Promise<void>;
}
