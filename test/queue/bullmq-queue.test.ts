import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { runEvalPlan } from "../../src/eval/run-plan.ts";
import { startQueueWorker } from "../../src/queue/queue-worker.ts";
import { keyPrefix, runKey } from "../../src/queue/redis-names.ts";
import type { OpenAIServer } from "../../src/testing/openai-server.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";
import {
  comparableRecords,
  gridPlan,
  startAnsweringServer,
  totalItems,
  until,
  writeConfig,
} from "./helpers/distributed-eval.ts";

let redis: RedisServer;
let client: Redis;
let queue: Queue;
let server: OpenAIServer;
let dir: string;
let config: string;
let reference: Awaited<ReturnType<typeof comparableRecords>>;

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  queue = new Queue("eval", { connection: { url: redis.url }, prefix: keyPrefix });
  server = await startAnsweringServer(0);
  dir = mkdtempSync(join(tmpdir(), "deliberate-bullmq-"));
  config = writeConfig(dir, server, 8);
  const local = await runEvalPlan(gridPlan(config, join(dir, "local")), { progress: "none" });
  reference = await comparableRecords(local.storePath);
});

after(async () => {
  await queue.close();
  client.disconnect();
  await server.close();
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
});

const waiting = async () => (await queue.getJobCounts("wait")).wait;
const runIdOf = (lines: string[]) =>
  /^run (r[0-9a-f]+):/.exec(lines.find((l) => l.startsWith("run ")) ?? "")?.[1];

test("a restarted coordinator finds its run's jobs: the same ids, no duplicate job, every item counted once", async () => {
  const plan = gridPlan(config, join(dir, "restarted"), redis.url);
  const firstLog: string[] = [];
  const stop = new AbortController();
  const first = runEvalPlan(plan, { progress: "none", signal: stop.signal, log: (l) => firstLog.push(l) });
  await until(
    async () => runIdOf(firstLog) !== undefined && (await waiting()) === totalItems,
    "every item enqueued",
  );
  stop.abort();
  assert.equal((await first).solved, 0);
  assert.ok(
    firstLog.some((line) => line.includes("no worker is listening")),
    firstLog.join("\n"),
  );

  const secondLog: string[] = [];
  const second = runEvalPlan(plan, { progress: "none", log: (l) => secondLog.push(l) });
  await until(() => runIdOf(secondLog) !== undefined, "the second coordinator to enqueue");
  assert.equal(runIdOf(secondLog), runIdOf(firstLog));
  // Enqueued twice, held once.
  assert.equal(await waiting(), totalItems);
  const worker = startQueueWorker({ url: redis.url, id: "w", concurrency: 4 });
  try {
    const run = await second;
    assert.equal(run.solved, totalItems);
    assert.deepEqual(run.failed, []);
    assert.equal(worker.processed, totalItems);
    assert.deepEqual(await comparableRecords(run.storePath), reference);
    // Finished runs leave nothing behind in Redis.
    assert.equal(await client.exists(runKey(runIdOf(secondLog)!)), 0);
  } finally {
    await worker.close();
  }
});

test("a job that fails is retried after a backoff and counted once", async () => {
  const lines: string[] = [];
  const running = runEvalPlan(gridPlan(config, join(dir, "retried"), redis.url), {
    progress: "none",
    log: (l) => lines.push(l),
  });
  await until(
    async () => runIdOf(lines) !== undefined && (await waiting()) === totalItems,
    "every item enqueued",
  );
  // Workers cannot load a run whose description is gone: their first attempts fail.
  const key = runKey(runIdOf(lines)!);
  const description = await client.get(key);
  await client.del(key);
  const errors: string[] = [];
  const worker = startQueueWorker({
    url: redis.url,
    id: "retrier",
    concurrency: 4,
    onItem: (e) => {
      if (e.kind === "failed") errors.push(e.error);
    },
  });
  try {
    await until(() => errors.length > 0, "a failed attempt");
    await client.set(key, description!);
    const run = await running;
    assert.match(errors[0], /NOT_FOUND: run r[0-9a-f]+ is not described in Redis/);
    assert.equal(run.solved, totalItems);
    assert.deepEqual(run.failed, []);
    assert.equal(worker.processed, totalItems);
    assert.deepEqual(await comparableRecords(run.storePath), reference);
  } finally {
    await worker.close();
  }
});

test("a job that fails every attempt is reported as failed, and its item stays unfinished", async () => {
  const lines: string[] = [];
  const running = runEvalPlan(gridPlan(config, join(dir, "exhausted"), redis.url), {
    progress: "none",
    log: (l) => lines.push(l),
  });
  await until(
    async () => runIdOf(lines) !== undefined && (await waiting()) === totalItems,
    "every item enqueued",
  );
  await client.del(runKey(runIdOf(lines)!));
  const worker = startQueueWorker({ url: redis.url, id: "doomed", concurrency: 8 });
  try {
    const run = await running;
    assert.equal(run.solved, 0);
    assert.equal(run.failed.length, totalItems);
    assert.match(run.failed[0].reason, /is not described in Redis/);
    assert.equal(new Set(run.failed.map((f) => `${f.cell}|${f.itemId}|${f.seed}`)).size, totalItems);
    assert.deepEqual(await comparableRecords(run.storePath), []);
    assert.equal(worker.processed, 0);
  } finally {
    await worker.close();
  }
});

test("workers writing to another store than the coordinator's are caught, not counted", async () => {
  const lines: string[] = [];
  const running = runEvalPlan(gridPlan(config, join(dir, "elsewhere"), redis.url), {
    progress: "none",
    log: (l) => lines.push(l),
  });
  await until(
    async () => runIdOf(lines) !== undefined && (await waiting()) === totalItems,
    "every item enqueued",
  );
  const key = runKey(runIdOf(lines)!);
  const description = JSON.parse((await client.get(key))!);
  await client.set(key, JSON.stringify({ ...description, store: join(dir, "elsewhere", "other.sqlite") }));
  const worker = startQueueWorker({ url: redis.url, id: "astray", concurrency: 8 });
  try {
    const run = await running;
    assert.equal(run.solved, 0);
    assert.equal(run.failed.length, totalItems);
    assert.match(run.failed[0].reason, /worker astray finished it, but the store .* has no record of it/);
    assert.equal((await comparableRecords(join(dir, "elsewhere", "other.sqlite"))).length, totalItems);
  } finally {
    await worker.close();
  }
});

test("two runs at once through a worker that keeps one loaded: neither run's models close under its items", async () => {
  const worker = startQueueWorker({ url: redis.url, id: "juggler", concurrency: 6, keepRuns: 1 });
  try {
    await worker.ready;
    // Same grid, two stores: two runs whose jobs interleave on the queue.
    const [one, two] = await Promise.all(
      ["one", "two"].map((name) =>
        runEvalPlan(gridPlan(config, join(dir, `juggled-${name}`), redis.url), { progress: "none" }),
      ),
    );
    for (const run of [one, two]) {
      assert.equal(run.solved, totalItems);
      assert.deepEqual(await comparableRecords(run.storePath), reference);
    }
    assert.equal(worker.processed, 2 * totalItems);
  } finally {
    await worker.close();
  }
});
