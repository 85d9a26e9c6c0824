/**
 * The eval store in a Postgres database (`--store postgres://…`): one store shared by the machines
 * of a distributed run, with the SQLite store's tables, columns and semantics (see `ResultStore`).
 *
 * Writes are grouped as in SQLite: queued, then committed together (every 50 ms or 1024 writes) in
 * one transaction of multi-row `INSERT … ON CONFLICT` statements, completions before the records
 * that used them. Several workers may write at once: completions are `DO NOTHING` (first write
 * wins) and go in key order, so two batches never wait on each other's rows in opposite orders;
 * records are `DO UPDATE` (last write wins) and go in write order (the order `records()` reads
 * back), so two workers rewriting the same records may deadlock: Postgres then aborts one
 * transaction, which is tried again.
 *
 * Unlike the SQLite store, it always asks the database for a sample it has not written itself (no
 * "this store started empty" shortcut): here, other workers writing at the same time are the rule.
 */
import pg from "pg";
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
import { redactStoreSpec } from "./store-spec.ts";
import type {
  AppliedMigration,
  ResultStore,
  SampleOrigin,
  StoredSample,
  StoreVerification,
} from "./store-types.ts";
import type { EvalRecord } from "./types.ts";

type Client = pg.PoolClient;

/**
 * The schema's history: the SQLite store's versions and names, in Postgres's SQL. `results.seq`
 * stands in for SQLite's rowid (records read back in the order they were last written).
 */
export const postgresMigrations: readonly Migration<Client>[] = [
  {
    version: 1,
    name: "completions, results, traces, meta",
    up: async (db) => {
      await db.query(`
        CREATE TABLE completions (
          key TEXT PRIMARY KEY,
          backend TEXT NOT NULL,
          completion TEXT NOT NULL,
          created_at BIGINT NOT NULL
        );
        CREATE SEQUENCE results_seq;
        CREATE TABLE results (
          cell TEXT NOT NULL,
          item_id TEXT NOT NULL,
          seed BIGINT NOT NULL,
          status TEXT NOT NULL,
          record TEXT NOT NULL,
          updated_at BIGINT NOT NULL,
          seq BIGINT NOT NULL DEFAULT nextval('results_seq'),
          PRIMARY KEY (cell, item_id, seed)
        );
        CREATE TABLE traces (
          id TEXT PRIMARY KEY,
          trace TEXT NOT NULL
        );
        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: "results.trace: a record's trace in its row",
    up: async (db) => {
      await db.query("ALTER TABLE results ADD COLUMN trace TEXT");
    },
  },
  {
    version: 3,
    name: "samples' digest and origin, and the requests they answered",
    up: async (db) => {
      await db.query(`
        CREATE TABLE requests (hash TEXT PRIMARY KEY, body TEXT NOT NULL);
        ALTER TABLE completions ADD COLUMN digest TEXT, ADD COLUMN request TEXT, ADD COLUMN seed BIGINT, ADD COLUMN call TEXT;
      `);
    },
  },
];

/**
 * The advisory lock that makes migrating one at a time: workers opening a fresh database together
 * would otherwise race to create the same tables. (Any constant works; this is "delib" in ASCII.)
 */
const migrationLock = 0x64656c6962;

/** Connections per store: the runner's items in flight share them (each query is short). */
const poolSize = 4;

/** BIGINT columns (seeds, times, counts) come back as numbers, not strings. */
const int8Oid = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === int8Oid && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function migrate(pool: pg.Pool, label: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLock]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${migrationsTableName} (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const applied = (await client.query<{ version: number }>(`SELECT version FROM ${migrationsTableName}`))
      .rows;
    const pending = pendingMigrations(
      postgresMigrations,
      applied.map((row) => row.version),
      label,
    );
    for (const migration of pending) {
      await migration.up(client);
      await client.query(
        `INSERT INTO ${migrationsTableName} (version, name, applied_at) VALUES ($1, $2, $3)`,
        [migration.version, migration.name, Date.now()],
      );
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Postgres's codes for a transaction it aborted to break a deadlock, or for a serialization conflict. */
const retryableCodes = new Set(["40P01", "40001"]);
/** Tries of a commit that Postgres aborted for one of those (another worker's batch got in the way). */
const commitTries = 3;

/** Runs `work` in one transaction on one connection, again when Postgres aborted it for a deadlock. */
async function inTransaction(pool: pg.Pool, work: (client: Client) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await work(client);
      await client.query("COMMIT");
      return;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      const code = (error as { code?: string }).code;
      if (attempt >= commitTries || code === undefined || !retryableCodes.has(code)) throw error;
    } finally {
      client.release();
    }
  }
}

type PendingCompletion = { completion: Completion; origin?: SampleOrigin };
type PendingRecord = { record: EvalRecord; trace?: Trace };

const recordKey = (record: EvalRecord) => `${record.cell}\u0000${finishedKey(record.itemId, record.seed)}`;
const byKey = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export class PostgresStore implements ResultStore {
  readonly label: string;
  private readonly pool: pg.Pool;
  /** Writes not yet committed (see the file's comment); records keyed by (cell, item, seed). */
  private pendingCompletions = new Map<string, PendingCompletion>();
  private pendingRecords = new Map<string, PendingRecord>();
  /** Completions of the commit under way: still answered from memory until they are in the table. */
  private committing = new Map<string, PendingCompletion>();
  /** The last commit; the next one starts after it, so records never overtake their completions. */
  private commits: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** A commit that failed in the background: reported by the next call that writes or flushes. */
  private failure: DeliberateError | undefined;
  private closed = false;
  /** Keys to look up in the next gathered query (see `lookUp`), and its answer. */
  private lookups: { keys: Set<string>; found: Promise<Map<string, Completion>> } | undefined;

  private constructor(pool: pg.Pool, label: string) {
    this.pool = pool;
    this.label = label;
  }

  /** Connects to the database a `postgres://` URL names and brings its schema up to date. */
  static async open(url: string): Promise<PostgresStore> {
    const label = redactStoreSpec(url);
    let pool: pg.Pool;
    try {
      pool = new pg.Pool({ connectionString: url, max: poolSize, types });
    } catch (error) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `bad Postgres store URL ${label}: ${(error as Error).message}`,
        {
          param: "store",
          cause: error,
        },
      );
    }
    // An idle connection the server drops (a restart) must not crash the process; the next query
    // opens a new one, or fails with a message.
    pool.on("error", () => {});
    try {
      await migrate(pool, label);
    } catch (error) {
      await pool.end().catch(() => {});
      if (DeliberateError.isInstance(error)) throw error;
      throw new DeliberateError("UPSTREAM", `cannot open eval store ${label}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new PostgresStore(pool, label);
  }

  async getCompletions(keys: readonly string[]): Promise<Array<Completion | undefined>> {
    const out = keys.map((key) => (this.pendingCompletions.get(key) ?? this.committing.get(key))?.completion);
    const missing = keys.filter((_, i) => out[i] === undefined);
    if (missing.length === 0) return out;
    const found = await this.lookUp(missing);
    return out.map((completion, i) => completion ?? found.get(keys[i]));
  }

  /**
   * Stored samples by key, the lookups of every item in flight gathered into one query per turn of
   * the event loop: one round trip per sample bounds a cold run by the network's latency
   * (`bench:eval` against a loopback Postgres on a busy 2-core box: 600 items/s asking one by one,
   * 730–1,350 gathered).
   */
  private lookUp(keys: readonly string[]): Promise<Map<string, Completion>> {
    if (this.lookups === undefined) {
      const batch = { keys: new Set<string>(), found: Promise.resolve(new Map<string, Completion>()) };
      batch.found = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.lookups = undefined;
        return this.fetchCompletions([...batch.keys]);
      });
      this.lookups = batch;
    }
    for (const key of keys) this.lookups.keys.add(key);
    return this.lookups.found;
  }

  private async fetchCompletions(keys: string[]): Promise<Map<string, Completion>> {
    const { rows } = await this.query<{ key: string; completion: string; digest: string | null }>(
      "SELECT key, completion, digest FROM completions WHERE key = ANY($1::text[])",
      [keys],
    );
    const found = new Map<string, Completion>();
    const corrupt: string[] = [];
    for (const row of rows) {
      // Changed after it was written: dropped, so it is made again, never replayed.
      if (row.digest !== null && digestOf(row.completion) !== row.digest) corrupt.push(row.key);
      else found.set(row.key, JSON.parse(row.completion) as Completion);
    }
    if (corrupt.length > 0)
      await this.query("DELETE FROM completions WHERE key = ANY($1::text[])", [corrupt]);
    return found;
  }

  async putCompletion(key: string, completion: Completion, origin?: SampleOrigin): Promise<void> {
    this.throwIfFailed();
    if (!this.pendingCompletions.has(key)) this.pendingCompletions.set(key, { completion, origin });
    await this.schedule();
  }

  async request(hash: string): Promise<string | undefined> {
    const { rows } = await this.query<{ body: string }>("SELECT body FROM requests WHERE hash = $1", [hash]);
    return rows[0]?.body;
  }

  async verify(): Promise<StoreVerification> {
    await this.flush();
    const result: StoreVerification = {
      integrity: ["ok"],
      completions: 0,
      corrupt: [],
      mismatched: [],
      unchecked: 0,
    };
    for await (const rows of this.completionPages()) for (const row of rows) checkSample(row, result);
    return result;
  }

  async *samples(): AsyncGenerator<StoredSample> {
    await this.flush();
    for await (const rows of this.completionPages()) for (const row of rows) yield storedSample(row);
  }

  /** Every completions row, a page at a time in key order (no cursor held between pages). */
  private async *completionPages(): AsyncGenerator<CompletionRow[]> {
    let after = "";
    for (;;) {
      const { rows } = await this.query<CompletionRow>(
        'SELECT key, backend, completion, digest, request, seed, "call" FROM completions WHERE key > $1 ORDER BY key LIMIT $2',
        [after, samplesPage],
      );
      if (rows.length > 0) yield rows;
      if (rows.length < samplesPage) return;
      after = rows.at(-1)!.key;
    }
  }

  async completionCount(): Promise<number> {
    await this.flush();
    return (await this.query<{ n: number }>("SELECT COUNT(*) AS n FROM completions")).rows[0].n;
  }

  async getRecord(cell: string, itemId: string, seed: number): Promise<EvalRecord | undefined> {
    await this.flush();
    const { rows } = await this.query<{ record: string }>(
      "SELECT record FROM results WHERE cell = $1 AND item_id = $2 AND seed = $3",
      [cell, itemId, seed],
    );
    return rows[0] ? (JSON.parse(rows[0].record) as EvalRecord) : undefined;
  }

  async putRecord(record: EvalRecord, trace?: Trace): Promise<void> {
    this.throwIfFailed();
    const key = recordKey(record);
    // Delete first: a rewrite moves to the end, as it does in SQLite's rowid order.
    this.pendingRecords.delete(key);
    this.pendingRecords.set(key, { record, trace });
    await this.schedule();
  }

  /** Waits for the commit under way, then commits what is queued. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.throwIfFailed();
    const commit = this.commits.then(() => this.commit());
    this.commits = commit.catch(() => {});
    await commit;
  }

  private async schedule(): Promise<void> {
    if (this.pendingCompletions.size + this.pendingRecords.size >= flushAfterWrites) await this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch((error) => {
          this.failure ??= DeliberateError.isInstance(error)
            ? error
            : new DeliberateError("UPSTREAM", `eval store ${this.label}: ${(error as Error).message}`, {
                cause: error,
              });
        });
      }, flushAfterMs);
      this.timer.unref();
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** One transaction: requests, completions, then the records that used them. */
  private async commit(): Promise<void> {
    if (this.pendingCompletions.size === 0 && this.pendingRecords.size === 0) return;
    const completions = [...this.pendingCompletions].sort(byKey);
    const records = [...this.pendingRecords];
    this.committing = this.pendingCompletions;
    this.pendingCompletions = new Map();
    this.pendingRecords = new Map();
    const now = Date.now();
    try {
      await inTransaction(this.pool, async (client) => {
        if (completions.length > 0) {
          const requests = new Map<string, string>();
          for (const [, { origin }] of completions) {
            if (origin !== undefined) requests.set(digestOf(origin.request), origin.request);
          }
          if (requests.size > 0) {
            const sorted = [...requests].sort(byKey);
            await client.query(
              "INSERT INTO requests (hash, body) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (hash) DO NOTHING",
              [sorted.map(([hash]) => hash), sorted.map(([, body]) => body)],
            );
          }
          const json = completions.map(([, { completion }]) => JSON.stringify(completion));
          await client.query(
            `INSERT INTO completions (key, backend, completion, created_at, digest, request, seed, "call")
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::text[])
             ON CONFLICT (key) DO NOTHING`,
            [
              completions.map(([key]) => key),
              completions.map(([, { completion, origin }]) => origin?.backend ?? completion.backend),
              json,
              completions.map(() => now),
              json.map(digestOf),
              completions.map(([, { origin }]) => (origin === undefined ? null : digestOf(origin.request))),
              completions.map(([, { origin }]) => origin?.seed ?? null),
              completions.map(([, { origin }]) => (origin?.call ? JSON.stringify(origin.call) : null)),
            ],
          );
        }
        if (records.length > 0) {
          await client.query(
            `INSERT INTO results (cell, item_id, seed, status, record, updated_at, trace)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[])
             ON CONFLICT (cell, item_id, seed) DO UPDATE SET status = excluded.status, record = excluded.record,
               updated_at = excluded.updated_at, trace = excluded.trace, seq = nextval('results_seq')`,
            [
              records.map(([, { record }]) => record.cell),
              records.map(([, { record }]) => record.itemId),
              records.map(([, { record }]) => record.seed),
              records.map(([, { record }]) => record.status),
              records.map(([, { record }]) => JSON.stringify(record)),
              records.map(() => now),
              records.map(([, { trace }]) => (trace ? JSON.stringify(trace) : null)),
            ],
          );
        }
      });
    } catch (error) {
      throw new DeliberateError(
        "UPSTREAM",
        `eval store ${this.label}: cannot commit ${completions.length} samples and ${records.length} records: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      this.committing = new Map();
    }
  }

  async finished(cell: string): Promise<Set<string>> {
    await this.flush();
    const { rows } = await this.query<{ item_id: string; seed: number }>(
      "SELECT item_id, seed FROM results WHERE cell = $1 AND status = 'ok'",
      [cell],
    );
    return new Set(rows.map((row) => finishedKey(row.item_id, row.seed)));
  }

  async records(cell?: string): Promise<EvalRecord[]> {
    await this.flush();
    const { rows } =
      cell === undefined
        ? await this.query<{ record: string }>("SELECT record FROM results ORDER BY seq")
        : await this.query<{ record: string }>("SELECT record FROM results WHERE cell = $1 ORDER BY seq", [
            cell,
          ]);
    return rows.map((row) => JSON.parse(row.record) as EvalRecord);
  }

  async trace(id: string): Promise<Trace | undefined> {
    await this.flush();
    const { rows } = await this.query<{ trace: string }>(
      "SELECT trace FROM results WHERE trace IS NOT NULL AND (record::jsonb ->> 'traceId') = $1 LIMIT 1",
      [id],
    );
    const row =
      rows[0] ??
      (await this.query<{ trace: string }>("SELECT trace FROM traces WHERE id = $1", [id])).rows[0];
    return row ? (JSON.parse(row.trace) as Trace) : undefined;
  }

  async traceOf(
    record: Pick<EvalRecord, "cell" | "itemId" | "seed" | "traceId">,
  ): Promise<Trace | undefined> {
    await this.flush();
    const { rows } = await this.query<{ trace: string | null }>(
      "SELECT trace FROM results WHERE cell = $1 AND item_id = $2 AND seed = $3",
      [record.cell, record.itemId, record.seed],
    );
    if (rows[0]?.trace) return JSON.parse(rows[0].trace) as Trace;
    if (!record.traceId) return undefined;
    const old = await this.query<{ trace: string }>("SELECT trace FROM traces WHERE id = $1", [
      record.traceId,
    ]);
    return old.rows[0] ? (JSON.parse(old.rows[0].trace) as Trace) : undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.flush();
    await this.query(
      "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [key, JSON.stringify(value)],
    );
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    const { rows } = await this.query<{ value: string }>("SELECT value FROM meta WHERE key = $1", [key]);
    return rows[0] ? (JSON.parse(rows[0].value) as T) : undefined;
  }

  async migrations(): Promise<AppliedMigration[]> {
    const { rows } = await this.query<{ version: number; name: string; applied_at: number }>(
      `SELECT version, name, applied_at FROM ${migrationsTableName} ORDER BY version`,
    );
    return rows.map((row) => ({ version: row.version, name: row.name, appliedAt: row.applied_at }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.pool.end();
    }
  }

  /** A query on any pooled connection; database errors come back naming the store. */
  private async query<Row extends pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    try {
      return await this.pool.query<Row>(text, values);
    } catch (error) {
      throw new DeliberateError("UPSTREAM", `eval store ${this.label}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
