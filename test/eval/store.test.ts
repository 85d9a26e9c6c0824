import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { SqliteStore } from "../../src/eval/store.ts";
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

test("samples carry a digest and their origin: a changed row is found by verify and never replayed", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "deliberate-store-")), "verify.sqlite");
  const store = SqliteStore.open(path);
  const origin = {
    backend: "llama:m.gguf@abc",
    request: '{"prompt":"Q"}',
    seed: 12,
    call: { seed: 10, n: 4, index: 2 },
  };
  await store.putCompletion("good", { ...completion, seed: 12 }, origin);
  await store.putCompletion(
    "bad",
    { ...completion, seed: 13 },
    { ...origin, seed: 13, call: { ...origin.call, index: 3 } },
  );
  await store.putCompletion("wrong-seed", { ...completion, seed: 99 }, { ...origin, seed: 14 });
  await store.close();

  // Change one sample's text behind the store's back, as a bad disk or a hand edit would.
  const db = new Database(path);
  db.prepare("UPDATE completions SET completion = replace(completion, ?, ?) WHERE key = 'bad'").run(
    completion.text,
    "tampered",
  );
  db.close();

  const again = SqliteStore.open(path);
  const found = await again.verify();
  assert.deepEqual(found.integrity, ["ok"]);
  assert.equal(found.completions, 3);
  assert.deepEqual(found.corrupt, ["bad"]);
  assert.deepEqual(found.mismatched, ["wrong-seed"]);
  const samples = [];
  for await (const sample of again.samples()) samples.push(sample);
  const good = samples.find((sample) => sample.key === "good");
  assert.deepEqual(good?.call, origin.call);
  assert.equal(good?.backend, origin.backend);
  assert.equal(await again.request(good?.request ?? ""), origin.request);
  // The changed row is dropped on read (so the sample is made again), not replayed.
  assert.equal((await again.getCompletions(["bad"]))[0], undefined);
  assert.deepEqual((await again.getCompletions(["good"]))[0], { ...completion, seed: 12 });
  assert.equal((await again.verify()).corrupt.length, 0);
  await again.close();
});
