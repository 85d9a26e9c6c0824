/**
 * The store contract: the same assertions against a SQLite file and a real Postgres database
 * (a throwaway server, a fresh database per test). Anything one store does that the other does
 * not fails here.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import pg from "pg";
import { openStore, type ResultStore, type StoredSample } from "../../src/eval/store.ts";
import { postgresMigrations } from "../../src/eval/store-postgres.ts";
import { sqliteMigrations } from "../../src/eval/store-sqlite.ts";
import type { EvalRecord } from "../../src/eval/types.ts";
import type { Completion } from "../../src/models/types.ts";
import type { Trace } from "../../src/trace/types.ts";
import { type PostgresServer, startPostgres } from "../helpers/postgres.ts";

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

interface Kind {
  name: string;
  /** A spec naming a new, empty store. */
  fresh(): Promise<string>;
  /** Runs SQL on the database directly, behind the store's back; numbers come back as numbers. */
  sql(spec: string, text: string): Promise<Array<Record<string, unknown>>>;
}

const kinds: Kind[] = [
  {
    name: "sqlite",
    fresh: async () => join(mkdtempSync(join(tmpdir(), "deliberate-contract-")), "store.sqlite"),
    sql: async (spec, text) => {
      const db = new Database(spec);
      try {
        const statement = db.prepare(text);
        if (statement.reader) return statement.all() as Array<Record<string, unknown>>;
        statement.run();
        return [];
      } finally {
        db.close();
      }
    },
  },
  {
    name: "postgres",
    fresh: () => server.createDatabase(),
    sql: async (spec, text) => {
      const client = new pg.Client({ connectionString: spec });
      await client.connect();
      try {
        const { rows } = await client.query(text);
        // COUNT(*) is a bigint, which pg hands back as a string.
        return rows.map((row) =>
          Object.fromEntries(
            Object.entries(row).map(([k, v]) => [
              k,
              typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v,
            ]),
          ),
        );
      } finally {
        await client.end();
      }
    },
  },
];

const record = (
  itemId: string,
  status: "ok" | "error" = "ok",
  extra: Partial<EvalRecord> = {},
): EvalRecord => ({
  cell: "m|cot|d",
  model: "m",
  strategy: "cot",
  dataset: "d",
  itemId,
  seed: 0,
  status,
  correct: status === "ok",
  verdict: status === "ok" ? "correct" : "error",
  gold: "4",
  predicted: "4",
  key: "4",
  confidence: 1,
  samples: [],
  promptTokens: 1,
  completionTokens: 1,
  calls: 1,
  cost: 0,
  wallMs: 1,
  traceId: `t-${itemId}`,
  text: "4",
  ...extra,
});
const trace = (id: string): Trace => ({ id, startedAt: 1, endedAt: 2, nodes: [] });
const completion = (text: string, seed?: number): Completion => ({
  index: 0,
  text,
  finishReason: "stop",
  usage: { promptTokens: 1, completionTokens: 1 },
  timings: { totalMs: 1 },
  backend: "m",
  ...(seed === undefined ? {} : { seed }),
});
const one = async (store: ResultStore, key: string) => (await store.getCompletions([key]))[0];

for (const kind of kinds) {
  test(`${kind.name}: resume semantics — finished() lists ok records only; a retried record replaces its row, and a reopened store sees the same`, async () => {
    const spec = await kind.fresh();
    const store = await openStore(spec);
    await store.putRecord(record("a"), trace("t-a"));
    await store.putRecord(record("b", "error"));
    await store.putRecord(record("c", "ok", { cell: "m|sc|d" }));
    assert.deepEqual([...(await store.finished("m|cot|d"))], ["a\u00000"], "the error is not finished");
    assert.deepEqual(
      (await store.records("m|cot|d")).map((r) => r.itemId),
      ["a", "b"],
    );
    // The retry succeeds: one row for (cell, b, 0), now ok, moved to the end of the write order.
    await store.putRecord(record("b"));
    await store.putRecord(record("a", "ok", { predicted: "5" }));
    assert.deepEqual([...(await store.finished("m|cot|d"))].sort(), ["a\u00000", "b\u00000"]);
    assert.deepEqual(
      (await store.records("m|cot|d")).map((r) => [r.itemId, r.status, r.predicted]),
      [
        ["b", "ok", "4"],
        ["a", "ok", "5"],
      ],
    );
    assert.equal((await store.records()).length, 3);
    assert.equal((await store.getRecord("m|cot|d", "b", 0))?.status, "ok");
    assert.equal(await store.getRecord("m|cot|d", "b", 1), undefined);
    await store.close();
    await store.close(); // twice is harmless

    const again = await openStore(spec);
    assert.deepEqual([...(await again.finished("m|cot|d"))].sort(), ["a\u00000", "b\u00000"]);
    assert.deepEqual(
      (await again.records()).map((r) => r.itemId),
      ["c", "b", "a"],
    );
    assert.equal((await kind.sql(spec, "SELECT COUNT(*) AS n FROM results"))[0].n, 3, "one row per attempt");
    await again.close();
  });

  test(`${kind.name}: first write wins — in one batch, after a commit, and from a second store open at the same time`, async () => {
    const spec = await kind.fresh();
    const first = await openStore(spec);
    await first.putCompletion("k", completion("first"));
    await first.putCompletion("k", completion("second"));
    assert.equal((await one(first, "k"))?.text, "first", "before the commit");
    await first.flush();
    assert.equal((await one(first, "k"))?.text, "first", "after the commit");
    const second = await openStore(spec);
    await second.putCompletion("k", completion("third"));
    await second.flush();
    assert.equal((await one(second, "k"))?.text, "first", "another store's later write is ignored");
    assert.equal((await one(first, "k"))?.text, "first");
    assert.equal(await second.completionCount(), 1);
    assert.deepEqual(await first.getCompletions(["nope", "k"]).then((cs) => cs.map((c) => c?.text)), [
      undefined,
      "first",
    ]);
    await first.close();
    await second.close();
  });

  test(`${kind.name}: a record never commits before its samples — whenever another connection sees it, it sees them`, async () => {
    const spec = await kind.fresh();
    const store = await openStore(spec);
    for (let i = 0; i < 20; i++) await store.putCompletion(`k${i}`, completion(String(i)));
    await store.putRecord(record("a"), trace("t-a"));
    // No flush: the grouped write commits on its own (within 50 ms); poll until the record is in.
    const deadline = Date.now() + 30_000;
    let seen: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      // One statement, one snapshot: both counts from the same moment.
      const [row] = await kind.sql(
        spec,
        "SELECT (SELECT COUNT(*) FROM results) AS records, (SELECT COUNT(*) FROM completions) AS samples",
      );
      if (row.records === 1) {
        seen = row;
        break;
      }
      assert.equal(row.samples === 0 || row.samples === 20, true, "samples commit together");
      await sleep(5);
    }
    assert.deepEqual(seen, { records: 1, samples: 20 });
    await store.close();
  });

  test(`${kind.name}: a sample changed behind the store's back is found by verify and never replayed`, async () => {
    const spec = await kind.fresh();
    const store = await openStore(spec);
    const origin = {
      backend: "llama:m.gguf@abc",
      request: '{"prompt":"Q"}',
      seed: 12,
      call: { seed: 10, n: 4, index: 2 },
    };
    await store.putCompletion("good", completion("4", 12), origin);
    await store.putCompletion("bad", completion("4", 13), {
      ...origin,
      seed: 13,
      call: { ...origin.call, index: 3 },
    });
    await store.putCompletion("wrong-seed", completion("4", 99), { ...origin, seed: 14 });
    await store.close();
    // A bad disk or a hand edit; and a row from before samples carried digests.
    await kind.sql(
      spec,
      `UPDATE completions SET completion = replace(completion, '"4"', '"tampered"') WHERE key = 'bad'`,
    );
    await kind.sql(
      spec,
      `INSERT INTO completions (key, backend, completion, created_at) VALUES ('old', 'm', '${JSON.stringify(completion("7"))}', 1)`,
    );

    const again = await openStore(spec);
    const found = await again.verify();
    assert.deepEqual(found, {
      integrity: ["ok"],
      completions: 4,
      corrupt: ["bad"],
      mismatched: ["wrong-seed"],
      unchecked: 1,
    });
    const samples: StoredSample[] = [];
    for await (const sample of again.samples()) samples.push(sample);
    assert.deepEqual(
      samples.map((s) => s.key),
      ["bad", "good", "old", "wrong-seed"],
      "in key order",
    );
    const good = samples.find((s) => s.key === "good")!;
    assert.deepEqual([good.backend, good.seed, good.call], [origin.backend, 12, origin.call]);
    assert.equal(await again.request(good.request!), origin.request);
    assert.equal(samples.find((s) => s.key === "old")?.request, undefined);
    assert.equal((await one(again, "old"))?.text, "7", "an unchecked old row still replays");
    // The changed row is dropped on read (so it is made again), not replayed.
    assert.equal(await one(again, "bad"), undefined);
    assert.equal((await one(again, "good"))?.text, "4");
    assert.deepEqual((await again.verify()).corrupt, []);
    assert.equal(await again.completionCount(), 3);
    await again.close();
  });

  test(`${kind.name}: traces by record and by id; samples() pages past its page size in key order`, async () => {
    const spec = await kind.fresh();
    const store = await openStore(spec);
    await store.putRecord(record("a"), trace("t-a"));
    await store.putRecord(record("b"));
    assert.deepEqual(await store.traceOf(record("a")), trace("t-a"));
    assert.deepEqual(await store.trace("t-a"), trace("t-a"));
    assert.equal(await store.traceOf(record("b")), undefined);
    assert.equal(await store.trace("t-b"), undefined);
    const keys = Array.from({ length: 1005 }, (_, i) => `key-${String(i).padStart(4, "0")}`);
    for (const key of [...keys].reverse()) await store.putCompletion(key, completion(key));
    const seen: string[] = [];
    for await (const sample of store.samples()) seen.push(sample.key);
    assert.deepEqual(seen, keys);
    await store.close();
  });

  test(`${kind.name}: meta values round-trip as JSON, a second set replaces the first, and survive reopening`, async () => {
    const spec = await kind.fresh();
    const store = await openStore(spec);
    assert.equal(await store.getMeta("plan"), undefined);
    await store.setMeta("plan", { models: ["a"], seeds: 2 });
    await store.setMeta("plan", { models: ["b"], seeds: 3 });
    await store.setMeta("count", 7);
    assert.deepEqual(await store.getMeta("plan"), { models: ["b"], seeds: 3 });
    await store.close();
    const again = await openStore(spec);
    assert.deepEqual(await again.getMeta("plan"), { models: ["b"], seeds: 3 });
    assert.equal(await again.getMeta<number>("count"), 7);
    await again.close();
  });

  test(`${kind.name}: migrations are applied once, in order, by several openers at once; a newer schema is refused`, async () => {
    const spec = await kind.fresh();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(spec)));
    const applied = await stores[0].migrations();
    assert.deepEqual(
      applied.map((m) => [m.version, m.name]),
      sqliteMigrations.map((m) => [m.version, m.name]),
    );
    for (const store of stores) assert.deepEqual(await store.migrations(), applied);
    await Promise.all(stores.map((store) => store.close()));
    const again = await openStore(spec);
    assert.deepEqual(await again.migrations(), applied, "reopening applies nothing");
    await again.close();
    assert.equal((await kind.sql(spec, "SELECT COUNT(*) AS n FROM schema_migrations"))[0].n, 3);

    await kind.sql(
      spec,
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)",
    );
    await assert.rejects(openStore(spec), (error: Error & { code?: string }) => {
      assert.equal(error.code, "BAD_REQUEST");
      assert.match(error.message, /schema version 99, newer than this deliberate knows \(3\)/);
      assert.match(error.message, /upgrade deliberate/);
      return true;
    });
  });
}

test("both stores know the same schema versions, with the same names", () => {
  assert.deepEqual(
    postgresMigrations.map((m) => [m.version, m.name]),
    sqliteMigrations.map((m) => [m.version, m.name]),
  );
  assert.deepEqual(
    sqliteMigrations.map((m) => m.version),
    sqliteMigrations.map((_, i) => i + 1),
    "versions 1, 2, 3, … with no gaps",
  );
});
