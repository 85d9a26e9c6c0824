/**
 * The eval store: one SQLite file (WAL) holding every completion, keyed by what produced it, and
 * every graded record, keyed by (cell, item, seed). Both writes are idempotent upserts, so a run
 * killed at any point (even with SIGKILL) resumes where it stopped: finished records are skipped,
 * errors are retried, and nothing is counted twice. Re-running or widening a sweep (more samples,
 * more seeds) finds its completions here instead of calling the model again.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { DeliberateError } from "../errors.ts";
import type { Completion } from "../models/types.ts";
import type { Trace } from "../trace/types.ts";
import type { EvalRecord } from "./types.ts";

const schema = `
  CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    completion TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS results (
    cell TEXT NOT NULL,
    item_id TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    trace TEXT,
    PRIMARY KEY (cell, item_id, seed)
  );
  -- Traces of stores written before they moved into their record's row (results.trace).
  CREATE TABLE IF NOT EXISTS traces (
    id TEXT PRIMARY KEY,
    trace TEXT NOT NULL
  );
  -- The request each stored sample answered (canonical JSON without n and seed), by its hash: what
  -- \`deliberate store verify\` sends again to check that samples reproduce.
  CREATE TABLE IF NOT EXISTS requests (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
`;

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

/** What `verify` found. */
export interface StoreVerification {
  /** SQLite's `PRAGMA integrity_check` lines: `["ok"]` when the file is sound. */
  integrity: string[];
  completions: number;
  /** Rows whose stored digest does not match their completion (changed after they were written). */
  corrupt: string[];
  /** Rows whose completion contradicts its origin (another seed or backend than the row says). */
  mismatched: string[];
  /** Rows from stores written before samples carried a digest: readable, not checkable. */
  unchecked: number;
}

const digestOf = (json: string) => createHash("sha256").update(json).digest("hex");

/** Writes wait at most this long, or this many, before one transaction commits them together. */
const flushAfterMs = 50;
const flushAfterWrites = 1024;

export class EvalStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statements;
  /**
   * Writes not yet committed. One transaction per write costs more than the rest of a scripted
   * item (WAL commit bookkeeping), so writes are grouped: a run killed within the window loses
   * only those items, which the next run solves again (never half-written, never twice).
   */
  private pendingCompletions = new Map<string, { completion: Completion; origin?: SampleOrigin }>();
  private pendingRecords: Array<{ record: EvalRecord; trace?: Trace }> = [];
  private timer: NodeJS.Timeout | undefined;
  /**
   * Keys stored by this process, when the store held no completions when opened: then a key not
   * in here is not stored anywhere, and a cold run skips one SELECT per sample. (Another process
   * writing the same store at the same time is not seen: its samples are generated again, and the
   * first write of a key wins as always.)
   */
  private ownKeys: Set<string> | undefined;

  private constructor(path: string) {
    this.path = path;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
      // NORMAL in WAL mode: a commit survives a killed process (only an OS crash may lose the last ones).
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("busy_timeout = 5000");
      // 64 MB of page cache (the default is 2 MB): completion keys are hashes, so inserts land all
      // over the index, and a sweep's store is tens of MB.
      this.db.pragma("cache_size = -65536");
      this.db.exec(schema);
      // Stores from before traces moved into the results row gain the column.
      const columns = this.db.prepare<[], { name: string }>("PRAGMA table_info(results)").all();
      if (!columns.some((c) => c.name === "trace")) this.db.exec("ALTER TABLE results ADD COLUMN trace TEXT");
      // Stores from before samples carried their origin and digest gain the columns (old rows stay
      // readable; `verify` counts them as unchecked).
      const sampleColumns = this.db.prepare<[], { name: string }>("PRAGMA table_info(completions)").all();
      for (const [name, type] of [
        ["digest", "TEXT"],
        ["request", "TEXT"],
        ["seed", "INTEGER"],
        ["call", "TEXT"],
      ] as const) {
        if (!sampleColumns.some((c) => c.name === name)) {
          this.db.exec(`ALTER TABLE completions ADD COLUMN ${name} ${type}`);
        }
      }
    } catch (error) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `cannot open eval store ${path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    this.statements = {
      getCompletion: this.db.prepare<[string], { completion: string; digest: string | null }>(
        "SELECT completion, digest FROM completions WHERE key = ?",
      ),
      putCompletion: this.db.prepare(
        "INSERT OR IGNORE INTO completions (key, backend, completion, created_at, digest, request, seed, call) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      deleteCompletion: this.db.prepare("DELETE FROM completions WHERE key = ?"),
      putRequest: this.db.prepare("INSERT OR IGNORE INTO requests (hash, body) VALUES (?, ?)"),
      getRequest: this.db.prepare<[string], { body: string }>("SELECT body FROM requests WHERE hash = ?"),
      allCompletions: this.db.prepare<
        [],
        {
          key: string;
          backend: string;
          completion: string;
          digest: string | null;
          request: string | null;
          seed: number | null;
          call: string | null;
        }
      >("SELECT key, backend, completion, digest, request, seed, call FROM completions"),
      getResult: this.db.prepare<[string, string, number], { record: string }>(
        "SELECT record FROM results WHERE cell = ? AND item_id = ? AND seed = ?",
      ),
      // One row per attempt, its trace in it: one insert per item instead of two (traces are read
      // only by the report, always with their record).
      putResult: this.db.prepare(
        "INSERT OR REPLACE INTO results (cell, item_id, seed, status, record, updated_at, trace) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      getResultTrace: this.db.prepare<[string, string, number], { trace: string | null }>(
        "SELECT trace FROM results WHERE cell = ? AND item_id = ? AND seed = ?",
      ),
      findTrace: this.db.prepare<[string], { trace: string }>(
        "SELECT trace FROM results WHERE trace IS NOT NULL AND json_extract(record, '$.traceId') = ?",
      ),
      done: this.db.prepare<[string], { item_id: string; seed: number }>(
        "SELECT item_id, seed FROM results WHERE cell = ? AND status = 'ok'",
      ),
      cellRecords: this.db.prepare<[string], { record: string }>(
        "SELECT record FROM results WHERE cell = ? ORDER BY rowid",
      ),
      allRecords: this.db.prepare<[], { record: string }>("SELECT record FROM results ORDER BY rowid"),
      getTrace: this.db.prepare<[string], { trace: string }>("SELECT trace FROM traces WHERE id = ?"),
      countCompletions: this.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM completions"),
      putMeta: this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"),
      getMeta: this.db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
    };
    if (this.db.prepare("SELECT 1 FROM completions LIMIT 1").get() === undefined) this.ownKeys = new Set();
  }

  static open(path: string): EvalStore {
    return new EvalStore(path);
  }

  /**
   * The sample stored under `key`. A row whose digest no longer matches its text was changed after
   * it was written: it is dropped (and so made again), never replayed.
   */
  getCompletion(key: string): Completion | undefined {
    const pending = this.pendingCompletions.get(key);
    if (pending) return pending.completion;
    if (this.ownKeys && !this.ownKeys.has(key)) return undefined;
    const row = this.statements.getCompletion.get(key);
    if (row === undefined) return undefined;
    if (row.digest !== null && digestOf(row.completion) !== row.digest) {
      this.statements.deleteCompletion.run(key);
      return undefined;
    }
    return JSON.parse(row.completion) as Completion;
  }

  /** First write wins: a completion for a key never changes once stored. */
  putCompletion(key: string, completion: Completion, origin?: SampleOrigin): void {
    if (!this.pendingCompletions.has(key)) this.pendingCompletions.set(key, { completion, origin });
    this.ownKeys?.add(key);
    this.schedule();
  }

  /** The request a stored sample answered (see `SampleOrigin.request`), by its hash. */
  request(hash: string): string | undefined {
    return this.statements.getRequest.get(hash)?.body;
  }

  /**
   * Checks the whole store: SQLite's integrity check, every sample's digest, and that each sample's
   * recorded seed and backend are the ones its completion carries.
   */
  verify(): StoreVerification {
    this.flush();
    const integrity = this.db
      .prepare<[], { integrity_check: string }>("PRAGMA integrity_check")
      .all()
      .map((row) => row.integrity_check);
    const result: StoreVerification = {
      integrity,
      completions: 0,
      corrupt: [],
      mismatched: [],
      unchecked: 0,
    };
    for (const row of this.statements.allCompletions.iterate()) {
      result.completions++;
      if (row.digest === null) {
        result.unchecked++;
        continue;
      }
      if (digestOf(row.completion) !== row.digest) {
        result.corrupt.push(row.key);
        continue;
      }
      const completion = JSON.parse(row.completion) as Completion;
      if (row.seed !== null && completion.seed !== row.seed) result.mismatched.push(row.key);
    }
    return result;
  }

  /** Every stored sample with its origin, for `store verify --regenerate`. */
  *samples(): Generator<{
    key: string;
    backend: string;
    completion: Completion;
    request?: string;
    seed?: number;
    call?: SampleOrigin["call"];
  }> {
    this.flush();
    for (const row of this.statements.allCompletions.iterate()) {
      yield {
        key: row.key,
        backend: row.backend,
        completion: JSON.parse(row.completion) as Completion,
        ...(row.request === null ? {} : { request: row.request }),
        ...(row.seed === null ? {} : { seed: row.seed }),
        ...(row.call === null ? {} : { call: JSON.parse(row.call) as SampleOrigin["call"] }),
      };
    }
  }

  completionCount(): number {
    this.flush();
    return this.statements.countCompletions.get()!.n;
  }

  getRecord(cell: string, itemId: string, seed: number): EvalRecord | undefined {
    this.flush();
    const row = this.statements.getResult.get(cell, itemId, seed);
    return row ? (JSON.parse(row.record) as EvalRecord) : undefined;
  }

  /**
   * Stores a record and its trace; a later write for the same key replaces it. The record commits
   * in the same transaction as every completion stored before it, so a stored record's samples
   * are always stored too.
   */
  putRecord(record: EvalRecord, trace?: Trace): void {
    this.pendingRecords.push({ record, trace });
    this.schedule();
  }

  /** Commits pending writes in one transaction. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pendingCompletions.size === 0 && this.pendingRecords.length === 0) return;
    const completions = this.pendingCompletions;
    const records = this.pendingRecords;
    this.pendingCompletions = new Map();
    this.pendingRecords = [];
    const now = Date.now();
    this.db.transaction(() => {
      for (const [key, { completion, origin }] of completions) {
        const json = JSON.stringify(completion);
        let requestHash: string | null = null;
        if (origin !== undefined) {
          requestHash = digestOf(origin.request);
          this.statements.putRequest.run(requestHash, origin.request);
        }
        this.statements.putCompletion.run(
          key,
          origin?.backend ?? completion.backend,
          json,
          now,
          digestOf(json),
          requestHash,
          origin?.seed ?? null,
          origin?.call ? JSON.stringify(origin.call) : null,
        );
      }
      for (const { record, trace } of records) {
        const json = JSON.stringify(record);
        const traceJson = trace ? JSON.stringify(trace) : null;
        this.statements.putResult.run(
          record.cell,
          record.itemId,
          record.seed,
          record.status,
          json,
          now,
          traceJson,
        );
      }
    })();
  }

  private schedule(): void {
    if (this.pendingCompletions.size + this.pendingRecords.length >= flushAfterWrites) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), flushAfterMs);
      this.timer.unref();
    }
  }

  /** `itemId\u0000seed` of every finished (not failed) record of a cell. */
  finished(cell: string): Set<string> {
    this.flush();
    return new Set(this.statements.done.all(cell).map((row) => finishedKey(row.item_id, row.seed)));
  }

  records(cell?: string): EvalRecord[] {
    this.flush();
    const rows =
      cell === undefined ? this.statements.allRecords.all() : this.statements.cellRecords.all(cell);
    return rows.map((row) => JSON.parse(row.record) as EvalRecord);
  }

  /** A trace by id (a scan of the results: prefer `traceOf` when the record is at hand). */
  trace(id: string): Trace | undefined {
    this.flush();
    const row = this.statements.findTrace.get(id) ?? this.statements.getTrace.get(id);
    return row ? (JSON.parse(row.trace) as Trace) : undefined;
  }

  /** The trace stored with a record (or, in older stores, under its `traceId`). */
  traceOf(record: Pick<EvalRecord, "cell" | "itemId" | "seed" | "traceId">): Trace | undefined {
    this.flush();
    const row = this.statements.getResultTrace.get(record.cell, record.itemId, record.seed);
    if (row?.trace) return JSON.parse(row.trace) as Trace;
    const old = record.traceId ? this.statements.getTrace.get(record.traceId) : undefined;
    return old ? (JSON.parse(old.trace) as Trace) : undefined;
  }

  setMeta(key: string, value: unknown): void {
    this.flush();
    this.statements.putMeta.run(key, JSON.stringify(value));
  }

  getMeta<T>(key: string): T | undefined {
    const row = this.statements.getMeta.get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  close(): void {
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }
}

export function finishedKey(itemId: string, seed: number): string {
  return `${itemId}\u0000${seed}`;
}
