/**
 * `npm run bench:rewards`: rewards per second through the reward service's HTTP routes, beside the
 * grader's in-process rate, in one run on the same items and workers. Prints JSON.
 *
 * - pool: every item graded through a `GradePool` directly (all in flight at once): the ceiling.
 * - scorer: `createRewardScorer().score()` in-process, 8 concurrent callers of 256-item batches
 *   (gold checks cached after a warm-up pass, as in an RL run where a prompt's samples share a gold).
 * - http: the same batches through `POST /v1/rewards` and `POST /openrlhf` on loopback, 8 concurrent
 *   clients on keep-alive connections; rewards/s and p50/p99 batch latency. The clients run in this
 *   process, so their JSON work counts against the server's CPUs (a trainer runs elsewhere).
 *
 * Each also reports items per CPU-second of this process and the CPU share it got (2.0 = both cores
 * of a 2-core machine): on a machine busy with other work, the wall-clock rate is the share's.
 *
 * Items are the math rows of the grading fact tables (test/grading/cases*.jsonl: integers, fractions,
 * LaTeX, sets, intervals, units…; half right, half wrong), cycled.
 *   npm run bench:rewards [-- --clients 8 --batch 256 --batches 20 --workers 2]
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { GradePool } from "../src/grading/pool.ts";
import { createRewardScorer } from "../src/rewards/create-reward-scorer.ts";
import { serveRewards } from "../src/rewards/serve-rewards.ts";
import type { RewardItem } from "../src/rewards/types.ts";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "8" },
    batch: { type: "string", default: "256" },
    batches: { type: "string", default: "20" },
    workers: { type: "string" },
  },
});
const clients = Number(values.clients);
const batchSize = Number(values.batch);
const batchesPerClient = Number(values.batches);
const workers = values.workers ? Number(values.workers) : Math.min(8, availableParallelism());

interface Case {
  gold: string;
  pred: string;
  kind?: string;
  [option: string]: unknown;
}

/** The tables' rows a math RewardItem expresses exactly: no grading options beyond the kind. */
const table: RewardItem[] = ["cases.jsonl", "cases-2.jsonl"]
  .flatMap((file) => readFileSync(new URL(`../test/grading/${file}`, import.meta.url), "utf8").split("\n"))
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as Case)
  .filter(
    ({ group: _g, gold: _o, pred: _p, expected: _e, kind, ...options }) =>
      (kind === undefined || kind === "math") && Object.keys(options).length === 0,
  )
  .map((c) => ({ output: c.pred, gold: c.gold }));

const batches: RewardItem[][] = Array.from({ length: clients * batchesPerClient }, (_, b) =>
  Array.from({ length: batchSize }, (_, i) => table[(b * batchSize + i) % table.length]!),
);
const totalItems = batches.length * batchSize;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** CPU seconds this process (every thread: workers, server, clients) has used. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Items per CPU-second of this process: on a machine loaded by other work the wall-clock rate falls
 * with the CPU share the run gets; this one does not (the clients' own work included).
 */
function perCpuSecond(cpu: number): number {
  return Math.round(totalItems / cpu);
}

/** Items/s and batch latencies when `clients` callers each run their share of batches in turn. */
async function concurrentBatches(run: (batch: RewardItem[], index: number) => Promise<void>) {
  const latencies: number[] = [];
  const cpu = cpuSeconds();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let b = client; b < batches.length; b += clients) {
        const t = performance.now();
        await run(batches[b]!, b);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = cpuSeconds() - cpu;
  latencies.sort((a, b) => a - b);
  return {
    itemsPerSecond: Math.round(totalItems / seconds),
    itemsPerCpuSecond: perCpuSecond(used),
    cpuShare: Number((used / seconds).toFixed(2)),
    seconds: Number(seconds.toFixed(2)),
    batchP50Ms: Math.round(percentile(latencies, 50)),
    batchP99Ms: Math.round(percentile(latencies, 99)),
  };
}

const loadAtStart = loadavg().map((x) => Number(x.toFixed(2)));

// 1. The grading pool directly: every item in flight at once.
const pool = new GradePool({ size: workers });
await Promise.all(table.map((item) => pool.grade(item.output, item.gold!)));
let poolCpu = cpuSeconds();
let started = performance.now();
await Promise.all(batches.flat().map((item) => pool.grade(item.output, item.gold!)));
const poolSeconds = (performance.now() - started) / 1000;
poolCpu = cpuSeconds() - poolCpu;
await pool.close();

// 2. The scorer in-process, after a warm-up pass that checks every gold once.
const scorer = createRewardScorer({ workers });
started = performance.now();
const warm = await scorer.score(table);
const warmUpSeconds = (performance.now() - started) / 1000;
const scorerRun = await concurrentBatches(async (batch) => {
  await scorer.score(batch);
});

// 3. The same batches through HTTP, on the same (warm) scorer.
const service = await serveRewards({ scorer, port: 0, maxQueue: clients * batchSize });
const agent = new Agent({ keepAlive: true, maxSockets: clients });

function post(path: string, body: string, expected: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${service.url}${path}`,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const reply = JSON.parse(Buffer.concat(chunks).toString()) as {
            results?: unknown[];
            rewards?: unknown[];
          };
          const count = (reply.results ?? reply.rewards ?? []).length;
          if (res.statusCode === 200 && count === expected) resolve();
          else reject(new Error(`${path}: status ${res.statusCode}, ${count} results`));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const nativeBodies = batches.map((items) => JSON.stringify({ items }));
const openrlhfBodies = batches.map((items) =>
  JSON.stringify({
    query: items.map((i) => i.output),
    prompts: items.map(() => ""),
    labels: items.map((i) => i.gold),
  }),
);
const httpNative = await concurrentBatches((batch, b) => post("/v1/rewards", nativeBodies[b]!, batch.length));
const httpOpenrlhf = await concurrentBatches((batch, b) =>
  post("/openrlhf", openrlhfBodies[b]!, batch.length),
);
agent.destroy();
await service.close();
await scorer.close();

console.log(
  JSON.stringify(
    {
      bench: "rewards",
      items: {
        distinct: table.length,
        total: totalItems,
        batchSize,
        clients,
        correct: warm.filter((r) => r.reward === 1).length,
      },
      workers,
      cpus: availableParallelism(),
      loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((x) => Number(x.toFixed(2))) },
      pool: {
        itemsPerSecond: Math.round(totalItems / poolSeconds),
        itemsPerCpuSecond: perCpuSecond(poolCpu),
        cpuShare: Number((poolCpu / poolSeconds).toFixed(2)),
        seconds: Number(poolSeconds.toFixed(2)),
      },
      scorer: { ...scorerRun, warmUpSeconds: Number(warmUpSeconds.toFixed(2)) },
      http: { "/v1/rewards": httpNative, "/openrlhf": httpOpenrlhf },
      node: process.version,
    },
    null,
    2,
  ),
);
