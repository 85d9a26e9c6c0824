import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Queue } from "bullmq";
import { DeliberateError } from "../../src/errors.ts";
import { writeReport } from "../../src/eval/report.ts";
import type { ReportRow } from "../../src/eval/report-rows.ts";
import type { EvalResults } from "../../src/eval/results.ts";
import { runEvalPlan } from "../../src/eval/run-plan.ts";
import { type QueueWorker, startQueueWorker, type WorkerItemEvent } from "../../src/queue/queue-worker.ts";
import { keyPrefix } from "../../src/queue/redis-names.ts";
import { runCli } from "../helpers/cli.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";
import {
  comparableRecords,
  gridFlags,
  gridPlan,
  spawnWorker,
  startAnsweringServer,
  totalItems,
  until,
  writeConfig,
} from "./helpers/distributed-eval.ts";

let redis: RedisServer;
let dir: string;
/** The single-process run every distributed run must equal, record for record. */
let reference: Awaited<ReturnType<typeof comparableRecords>>;
let referenceCells: unknown;
let referenceOut: string;

/**
 * Every worker on the queue looks for stalled items this often, ms. BullMQ throttles the check
 * queue-wide by the interval of whichever worker checked last, so workers of one queue must agree:
 * one at the default 30 s would hold back a later test's quick recovery from a killed worker.
 */
const stalledMs = 500;
const stalledFlags = ["--stalled-interval", String(stalledMs)];

/** What results.json says per cell, less the run's id, dates and wall times. */
function cellsOf(outDir: string) {
  const results = JSON.parse(readFileSync(join(outDir, "results.json"), "utf8")) as EvalResults;
  return results.cells.map((c) => ({
    cell: c.cell,
    accuracy: c.accuracy,
    n: c.summary.n,
    errors: c.summary.errors,
    curves: c.summary.curves,
    promptTokens: c.summary.promptTokens,
    completionTokens: c.summary.completionTokens,
  }));
}

/** A report's rows less what names or times the run. */
function reportRows(path: string) {
  const { rows } = JSON.parse(readFileSync(path, "utf8")) as { rows: ReportRow[] };
  return rows.map(({ run: _run, wallMs: _wallMs, ...row }) => row);
}

/** The single-process run's report rows (written once, into a folder of its own). */
async function localReportRows() {
  const written = await writeReport({ runs: [referenceOut], out: join(dir, "local-report", "report.html") });
  return reportRows(written.json);
}

/** Jobs being worked on right now by the worker named `id`. */
async function activeOn(queue: Queue, id: string): Promise<number> {
  const jobs = await queue.getJobs(["active"]);
  return jobs.filter((job) => job.processedBy === id).length;
}

before(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), "deliberate-queue-"));
  const server = await startAnsweringServer(0);
  try {
    const out = join(dir, "local");
    referenceOut = out;
    const run = await runEvalPlan(gridPlan(writeConfig(mkdtempSync(join(dir, "cfg-")), server, 2), out), {
      progress: "none",
    });
    assert.equal(run.solved, totalItems);
    reference = await comparableRecords(run.storePath);
    referenceCells = cellsOf(out);
  } finally {
    await server.close();
  }
});

after(async () => {
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
});

test("`eval --queue` over 3 workers (one a child process) equals the single-process run, and the endpoint limit holds across workers", async () => {
  const server = await startAnsweringServer(30);
  const config = writeConfig(mkdtempSync(join(dir, "cfg-")), server, 2);
  const out = join(dir, "three-workers");
  const child = spawnWorker(redis.url, ["--id", "child", "--concurrency", "3", ...stalledFlags]);
  const workers = ["a", "b"].map((id) =>
    startQueueWorker({ url: redis.url, id, concurrency: 3, stalledIntervalMs: stalledMs }),
  );
  try {
    await Promise.all([child.ready, ...workers.map((worker) => worker.ready)]);
    const run = await runCli(
      ["eval", ...gridFlags(config, out), "--queue", redis.url, "--progress", "lines"],
      {
        timeoutMs: 240_000,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`${totalItems} solved, 0 reused`));
    // Progress names the workers that did the items.
    assert.match(run.stderr, /items\/s .*\| workers /);
    assert.deepEqual(await comparableRecords(join(out, "store.sqlite")), reference);
    assert.deepEqual(cellsOf(out), referenceCells);
    // `deliberate report` on the queued run: the local run's rows, but for the run's name and wall time.
    const report = await runCli(["report", out]);
    assert.equal(report.code, 0, report.stderr);
    assert.deepEqual(reportRows(join(out, "report.json")), await localReportRows());
    // Nine items in flight over three processes, yet never more than the endpoint's 2 at once.
    assert.ok(server.maxInFlight <= 2, `the endpoint saw ${server.maxInFlight} requests at once`);
    assert.ok(server.maxInFlight >= 1);

    // SIGTERM: the child finishes what it has and exits cleanly, saying how many it did.
    child.child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
    const childItems = Number(/stopped after (\d+) items/.exec(child.output())?.[1]);
    // Each item ran exactly once: nothing stalled, nothing was duplicated.
    assert.equal(workers[0].processed + workers[1].processed + childItems, totalItems);
  } finally {
    child.child.kill("SIGKILL");
    await Promise.all(workers.map((worker) => worker.close()));
    await server.close();
  }
});

test("a worker killed with SIGKILL mid-run: its items go to another worker, none lost, none counted twice", async () => {
  const server = await startAnsweringServer(150);
  const config = writeConfig(mkdtempSync(join(dir, "cfg-")), server, 4);
  const out = join(dir, "killed");
  const short = ["--lock-duration", "1500", ...stalledFlags, "--slot-lease", "2000"];
  const doomed = spawnWorker(redis.url, ["--id", "doomed", "--concurrency", "3", "-v", ...short]);
  const survivor = startQueueWorker({
    url: redis.url,
    id: "survivor",
    concurrency: 3,
    lockDurationMs: 1500,
    stalledIntervalMs: stalledMs,
    slotLeaseMs: 2000,
  });
  const queue = new Queue("eval", { connection: { url: redis.url }, prefix: keyPrefix });
  try {
    await Promise.all([doomed.ready, survivor.ready]);
    const running = runEvalPlan(gridPlan(config, out, redis.url), { progress: "none" });
    // Killed part-way: it has finished items, and holds others it will never finish.
    await until(
      async () =>
        /: (correct|wrong|error) in \d+ ms/.test(doomed.output()) && (await activeOn(queue, "doomed")) > 0,
      "the doomed worker to be mid-run",
    );
    doomed.child.kill("SIGKILL");
    assert.equal(await doomed.exited, null);
    const run = await running;
    assert.equal(run.solved, totalItems);
    assert.deepEqual(run.failed, []);
    assert.deepEqual(await comparableRecords(run.storePath), reference);
    assert.deepEqual(cellsOf(out), referenceCells);
  } finally {
    doomed.child.kill("SIGKILL");
    await queue.close();
    await survivor.close();
    await server.close();
  }
});

test("a worker handing its items back (a second SIGTERM) leaves them to another worker, unstored", async () => {
  const server = await startAnsweringServer(200);
  const config = writeConfig(mkdtempSync(join(dir, "cfg-")), server, 8);
  const out = join(dir, "handed-back");
  const events: WorkerItemEvent[] = [];
  const first = startQueueWorker({
    url: redis.url,
    id: "first",
    concurrency: 2,
    stalledIntervalMs: stalledMs,
    onItem: (e) => events.push(e),
  });
  let second: QueueWorker | undefined;
  const queue = new Queue("eval", { connection: { url: redis.url }, prefix: keyPrefix });
  try {
    await first.ready;
    const running = runEvalPlan(gridPlan(config, out, redis.url), { progress: "none" });
    await until(async () => (await activeOn(queue, "first")) === 2, "the first worker to hold two items");
    await first.handBack();
    const handedBack = events.filter((e) => e.kind === "handed-back");
    assert.ok(handedBack.length >= 1, "at least one item was handed back");
    assert.ok(events.every((e) => e.kind !== "failed"));
    second = startQueueWorker({ url: redis.url, id: "second", concurrency: 4, stalledIntervalMs: stalledMs });
    const run = await running;
    assert.equal(run.solved, totalItems);
    assert.deepEqual(await comparableRecords(run.storePath), reference);
    // Handed-back items were finished by the second worker only: every item completed once.
    assert.equal(first.processed + second.processed, totalItems);
  } finally {
    await queue.close();
    await first.close();
    await second?.close();
    await server.close();
  }
});

test("a queue URL that is not Redis is refused up front, naming the option", async () => {
  const config = join(dir, "unused.yaml");
  const run = await runCli([
    "eval",
    ...gridFlags(config, join(dir, "bad")),
    "--queue",
    "http://127.0.0.1:6379",
  ]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /queue.*redis:\/\//);
  const worker = await runCli(["worker", "--queue", "localhost:6379"]);
  assert.equal(worker.code, 2);
  assert.match(worker.stderr, /queue.*redis:\/\//);
});

test("`deliberate worker`: a second SIGTERM hands the current items back at once, and another worker finishes them", async () => {
  // Answers take 5 s: the two signals certainly come while both items are mid-answer.
  const server = await startAnsweringServer(5_000);
  const config = writeConfig(mkdtempSync(join(dir, "cfg-")), server, 64);
  const out = join(dir, "sigterm-twice");
  const leaving = spawnWorker(redis.url, ["--id", "leaving", "--concurrency", "2", "-v", ...stalledFlags]);
  const queue = new Queue("eval", { connection: { url: redis.url }, prefix: keyPrefix });
  let staying: QueueWorker | undefined;
  try {
    await leaving.ready;
    const running = runEvalPlan(gridPlan(config, out, redis.url), { progress: "none" });
    await until(async () => (await activeOn(queue, "leaving")) === 2, "the leaving worker to hold two items");
    leaving.child.kill("SIGTERM");
    await until(() => leaving.output().includes("stopping: finishing the current items"), "the first stop");
    leaving.child.kill("SIGTERM");
    assert.equal(await leaving.exited, 0, leaving.output());
    assert.match(leaving.output(), /handing the current items back/);
    assert.equal(leaving.output().match(/: handed back/g)?.length, 2, leaving.output());
    assert.match(leaving.output(), /stopped after 0 items/);
    staying = startQueueWorker({
      url: redis.url,
      id: "staying",
      concurrency: totalItems,
      stalledIntervalMs: stalledMs,
    });
    const run = await running;
    assert.equal(run.solved, totalItems);
    assert.equal(staying.processed, totalItems);
    assert.deepEqual(await comparableRecords(run.storePath), reference);
  } finally {
    leaving.child.kill("SIGKILL");
    await queue.close();
    await staying?.close();
    await server.close();
  }
});

test("no Redis to reach: the worker and the coordinator fail at once with UPSTREAM, naming the URL", async () => {
  const worker = await runCli(["worker", "--queue", "redis://127.0.0.1:1"]);
  assert.equal(worker.code, 4, worker.stderr);
  assert.match(worker.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  const server = await startAnsweringServer(0);
  try {
    const config = writeConfig(mkdtempSync(join(dir, "cfg-")), server, 2);
    await assert.rejects(
      runEvalPlan(gridPlan(config, join(dir, "no-redis"), "redis://127.0.0.1:1"), { progress: "none" }),
      (error) =>
        DeliberateError.isInstance(error) && error.code === "UPSTREAM" && /ECONNREFUSED/.test(error.message),
    );
  } finally {
    await server.close();
  }
});
