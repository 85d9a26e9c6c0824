/**
 * The eval store in one SQLite file (WAL): nothing to start, the default for a run on one machine.
 * See `ResultStore` for the semantics; the work is synchronous (better-sqlite3) behind the async
 * interface, so the hot path pays one resolved promise per call and no more.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { DeliberateError } from "../errors.ts";
import type { Completion } from "../models/types.ts";
import type { Trace } from "../trace/types.ts";
import {
  type CompletionRow,
  checkSample,
  digestOf,
  finishedKey,
  flushAfterMs,
  flushAfterWrites,
  samplesPage,
  storedSample,
} from "./store-common.ts";
import { type Migration, migrationsTableName, pendingMigrations } from "./store-migrations.ts";
import type {
  AppliedMigration,
  ResultStore,
  SampleOrigin,
  StoredSample,
  StoreVerification,
} from "./store-types.ts";
import type { EvalRecord } from "./types.ts";

type Db = Database.Database;

const hasColumn = (db: Db, table: string, column: string) =>
  db
    .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
    .all()
    .some((c) => c.name === column);

/**
 * The schema's history (the same versions and names as the Postgres store's). Steps 2 and 3 add
 * columns only where missing: stores written before migrations were versioned already have some.
 */
export const sqliteMigrations: readonly Migration<Db>[] = [
  {
    version: 1,
    name: "completions, results, traces, meta",
    up: (db) =>
      db.exec(`
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
          PRIMARY KEY (cell, item_id, seed)
        );
        -- Traces of stores written before they moved into their record's row (results.trace).
        CREATE TABLE IF NOT EXISTS traces (
          id TEXT PRIMARY KEY,
          trace TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `),
  },
  {
    version: 2,
    name: "results.trace: a record's trace in its row",
    up: (db) => {
      if (!hasColumn(db, "results", "trace")) db.exec("ALTER TABLE results ADD COLUMN trace TEXT");
    },
  },
  {
    version: 3,
    name: "samples' digest and origin, and the requests they answered",
    up: (db) => {
      // The request each stored sample answered (canonical JSON without n and seed), by its hash:
      // what `deliberate store verify` sends again to check that samples reproduce.
      db.exec(
        "CREATE TABLE IF NOT EXISTS requests (hash TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID",
      );
      // Old rows stay readable; `verify` counts them as unchecked.
      for (const [name, type] of [
        ["digest", "TEXT"],
        ["request", "TEXT"],
        ["seed", "INTEGER"],
        ["call", "TEXT"],
      ] as const) {
        if (!hasColumn(db, "completions", name))
          db.exec(`ALTER TABLE completions ADD COLUMN ${name} ${type}`);
      }
    },
  },
];

/** Applies the migrations the file lacks, in one write transaction (so two openers take turns). */
function migrate(db: Db, label: string): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${migrationsTableName} (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const applied = db
      .prepare<[], { version: number }>(`SELECT version FROM ${migrationsTableName}`)
      .all()
      .map((row) => row.version);
    const record = db.prepare(
      `INSERT INTO ${migrationsTableName} (version, name, applied_at) VALUES (?, ?, ?)`,
    );
    for (const migration of pendingMigrations(sqliteMigrations, applied, label)) {
      migration.up(db);
      record.run(migration.version, migration.name, Date.now());
    }
  }).immediate();
}

export class SqliteStore implements ResultStore {
  readonly label: string;
  private readonly db: Db;
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
    this.label = path;
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
      migrate(this.db, path);
    } catch (error) {
      if (DeliberateError.isInstance(error)) throw error;
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
      allCompletions: this.db.prepare<[], CompletionRow>(
        "SELECT key, backend, completion, digest, request, seed, call FROM completions",
      ),
      completionsAfter: this.db.prepare<[string, number], CompletionRow>(
        "SELECT key, backend, completion, digest, request, seed, call FROM completions WHERE key > ? ORDER BY key LIMIT ?",
      ),
      getResult: this.db.prepare<[string, string, number], { record: string }>(
        "SELECT record FROM results WHERE cell = ? AND item_id = ? AND seed = ?",
      ),
      // One row per attempt, its trace in it: one insert per item instead of two (traces are read
      // only by the report, always with their record). REPLACE moves the row to the end of rowid order.
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
      migrations: this.db.prepare<[], { version: number; name: string; applied_at: number }>(
        `SELECT version, name, applied_at FROM ${migrationsTableName} ORDER BY version`,
      ),
    };
    if (this.db.prepare("SELECT 1 FROM completions LIMIT 1").get() === undefined) this.ownKeys = new Set();
  }

  /** Opens (creating, or migrating) the store file at `path`; `:memory:` for a throwaway one. */
  static open(path: string): SqliteStore {
    return new SqliteStore(path);
  }

  async getCompletions(keys: readonly string[]): Promise<Array<Completion | undefined>> {
    return keys.map((key) => this.getCompletion(key));
  }

  private getCompletion(key: string): Completion | undefined {
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

  async putCompletion(key: string, completion: Completion, origin?: SampleOrigin): Promise<void> {
    if (!this.pendingCompletions.has(key)) this.pendingCompletions.set(key, { completion, origin });
    this.ownKeys?.add(key);
    this.schedule();
  }

  async request(hash: string): Promise<string | undefined> {
    return this.statements.getRequest.get(hash)?.body;
  }

  async verify(): Promise<StoreVerification> {
    this.flushNow();
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
    for (const row of this.statements.allCompletions.iterate()) checkSample(row, result);
    return result;
  }

  /** Pages through the samples by key, so the caller may use the store between them. */
  async *samples(): AsyncGenerator<StoredSample> {
    this.flushNow();
    let after = "";
    for (;;) {
      const rows = this.statements.completionsAfter.all(after, samplesPage);
      for (const row of rows) yield storedSample(row);
      if (rows.length < samplesPage) return;
      after = rows.at(-1)!.key;
    }
  }

  async completionCount(): Promise<number> {
    this.flushNow();
    return this.statements.countCompletions.get()!.n;
  }

  async getRecord(cell: string, itemId: string, seed: number): Promise<EvalRecord | undefined> {
    this.flushNow();
    const row = this.statements.getResult.get(cell, itemId, seed);
    return row ? (JSON.parse(row.record) as EvalRecord) : undefined;
  }

  async putRecord(record: EvalRecord, trace?: Trace): Promise<void> {
    this.pendingRecords.push({ record, trace });
    this.schedule();
  }

  async flush(): Promise<void> {
    this.flushNow();
  }

  /** Commits pending writes in one transaction: completions first, then the records that used them. */
  private flushNow(): void {
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
    if (this.pendingCompletions.size + this.pendingRecords.length >= flushAfterWrites) this.flushNow();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flushNow(), flushAfterMs);
      this.timer.unref();
    }
  }

  async finished(cell: string): Promise<Set<string>> {
    this.flushNow();
    return new Set(this.statements.done.all(cell).map((row) => finishedKey(row.item_id, row.seed)));
  }

  async records(cell?: string): Promise<EvalRecord[]> {
    this.flushNow();
    const rows =
      cell === undefined ? this.statements.allRecords.all() : this.statements.cellRecords.all(cell);
    return rows.map((row) => JSON.parse(row.record) as EvalRecord);
  }

  async trace(id: string): Promise<Trace | undefined> {
    this.flushNow();
    const row = this.statements.findTrace.get(id) ?? this.statements.getTrace.get(id);
    return row ? (JSON.parse(row.trace) as Trace) : undefined;
  }

  async traceOf(
    record: Pick<EvalRecord, "cell" | "itemId" | "seed" | "traceId">,
  ): Promise<Trace | undefined> {
    this.flushNow();
    const row = this.statements.getResultTrace.get(record.cell, record.itemId, record.seed);
    if (row?.trace) return JSON.parse(row.trace) as Trace;
    const old = record.traceId ? this.statements.getTrace.get(record.traceId) : undefined;
    return old ? (JSON.parse(old.trace) as Trace) : undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    this.flushNow();
    this.statements.putMeta.run(key, JSON.stringify(value));
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    const row = this.statements.getMeta.get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async migrations(): Promise<AppliedMigration[]> {
    return this.statements.migrations
      .all()
      .map((row) => ({ version: row.version, name: row.name, appliedAt: row.applied_at }));
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.flushNow();
    this.db.close();
  }
}
