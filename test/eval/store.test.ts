import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import {
  isPostgresSpec,
  openStore,
  redactStoreSpec,
  resolveStoreSpec,
  SqliteStore,
} from "../../src/eval/store.ts";
import type { EvalRecord } from "../../src/eval/types.ts";
import type { Completion } from "../../src/models/types.ts";
import type { Trace } from "../../src/trace/types.ts";

const record = (itemId: string, traceId: string): EvalRecord => ({
  cell: "m|cot|d",
  model: "m",
  strategy: "cot",
  dataset: "d",
  itemId,
  seed: 0,
  status: "ok",
  correct: true,
  verdict: "correct",
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
  traceId,
  text: "4",
});
const trace = (id: string): Trace => ({ id, startedAt: 1, endedAt: 2, nodes: [] });
const completion: Completion = {
  index: 0,
  text: "4",
  finishReason: "stop",
  usage: { promptTokens: 1, completionTokens: 1 },
  timings: { totalMs: 1 },
  backend: "m",
};

test("a store written before traces moved into the results row: old traces still read, new ones stored in the row", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "deliberate-store-")), "old.sqlite");
  const old = new Database(path);
  old.exec(`
    CREATE TABLE completions (key TEXT PRIMARY KEY, backend TEXT NOT NULL, completion TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE results (cell TEXT NOT NULL, item_id TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
      record TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (cell, item_id, seed));
    CREATE TABLE traces (id TEXT PRIMARY KEY, trace TEXT NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
  old
    .prepare("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?)")
    .run("m|cot|d", "a", 0, "ok", JSON.stringify(record("a", "t-a")), 1);
  old.prepare("INSERT INTO traces VALUES (?, ?)").run("t-a", JSON.stringify(trace("t-a")));
  old.prepare("INSERT INTO completions VALUES (?, ?, ?, ?)").run("k1", "m", JSON.stringify(completion), 1);
  old.close();

  const store = SqliteStore.open(path);
  assert.deepEqual(await store.traceOf(record("a", "t-a")), trace("t-a"));
  assert.deepEqual(await store.trace("t-a"), trace("t-a"));
  assert.deepEqual(
    (await store.getCompletions(["k1"]))[0],
    completion,
    "a store that had completions looks them up",
  );
  await store.putRecord(record("b", "t-b"), trace("t-b"));
  assert.deepEqual(await store.traceOf(record("b", "t-b")), trace("t-b"));
  assert.deepEqual(await store.trace("t-b"), trace("t-b"));
  assert.deepEqual([...(await store.finished("m|cot|d"))].sort(), ["a\u00000", "b\u00000"]);
  // The columns it lacked came as migrations, recorded like a new store's.
  assert.deepEqual(
    (await store.migrations()).map((m) => m.version),
    [1, 2, 3],
  );
  await store.close();
});

test("a store that started empty finds what it wrote, before and after committing, and after reopening", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "deliberate-store-")), "new.sqlite");
  const store = SqliteStore.open(path);
  assert.equal((await store.getCompletions(["k"]))[0], undefined);
  await store.putCompletion("k", completion);
  assert.deepEqual((await store.getCompletions(["k"]))[0], completion);
  await store.flush();
  assert.deepEqual((await store.getCompletions(["k"]))[0], completion);
  assert.equal((await store.getCompletions(["other"]))[0], undefined);
  await store.close();
  const again = SqliteStore.open(path);
  assert.deepEqual((await again.getCompletions(["k"]))[0], completion);
  assert.equal(await again.completionCount(), 1);
  await again.close();
});

test("store specs: postgres URLs are told from paths, paths made absolute, passwords never shown", () => {
  assert.equal(isPostgresSpec("postgres://u@h/db"), true);
  assert.equal(isPostgresSpec("postgresql://u@h/db"), true);
  assert.equal(isPostgresSpec("runs/store.sqlite"), false);
  assert.equal(isPostgresSpec("postgres.sqlite"), false);
  assert.equal(resolveStoreSpec("postgres://u@h/db"), "postgres://u@h/db");
  assert.equal(resolveStoreSpec(":memory:"), ":memory:");
  assert.equal(resolveStoreSpec("a/b.sqlite"), join(process.cwd(), "a/b.sqlite"));
  for (const [spec, shown] of [
    ["postgres://alice:s3cr%2Ft@db.example:5432/evals", "postgres://alice:***@db.example:5432/evals"],
    ["postgresql://alice@db.example/evals", "postgresql://alice@db.example/evals"],
    [
      "postgres://db.example/evals?password=s3cret&sslmode=require",
      "postgres://db.example/evals?password=***&sslmode=require",
    ],
    ["postgres://alice:s3cret@[bad/evals", "postgres://***@[bad/evals"],
    ["runs/store.sqlite", "runs/store.sqlite"],
  ]) {
    assert.equal(redactStoreSpec(spec), shown, spec);
  }
});

test("openStore: an empty spec and an unreachable Postgres fail with errors naming the store, without its password", async () => {
  await assert.rejects(openStore(" "), /empty eval store spec/);
  // Port 9 on loopback: nothing listens, the connection is refused at once.
  await assert.rejects(
    openStore("postgres://alice:s3cret@127.0.0.1:9/evals"),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, "UPSTREAM");
      assert.match(error.message, /cannot open eval store postgres:\/\/alice:\*\*\*@127\.0\.0\.1:9\/evals/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    },
  );
});
