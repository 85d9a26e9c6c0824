/**
 * Distributed eval throughput, in one run:
 *
 * 1. Scaling: one grid through `eval --queue` with 1, 2 and 4 `deliberate worker` processes (each
 *    at the same concurrency) against a loopback OpenAI-compatible endpoint that takes a fixed time
 *    per generated token — I/O-bound, as against real GPU servers. Items/s and the speedup over one
 *    worker; target >= 3.5x at 4 workers. Every run must give the same results.
 * 2. Overhead: the same grid against an instant endpoint, in this process (the default queue) and
 *    through Redis with one worker at the same concurrency: the difference per item is what the
 *    queue costs (job round trips, a store flush and read-back per item).
 *
 * Each run writes a fresh store, so nothing is served from a cache. Worker start-up is outside
 * the clock: workers are ready, and have run a small warm-up grid of their own (other items, so
 * nothing is cached) — long-lived workers pay module loading and JIT warm-up once, not per sweep.
 * The CPU time the workers and this process (coordinator, endpoint) used is reported beside the
 * machine's load: on a small shared machine the workers compete for cores, which caps the speedup.
 * Needs Debian's redis-server. Prints JSON. `BENCH_ITEMS`, `BENCH_MS_PER_TOKEN`, `BENCH_CONCURRENCY`
 * change the grid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "../src/eval/datasets/load-dataset.ts";
import { parseEvalPlan } from "../src/eval/eval-plan.ts";
import type { EvalResults } from "../src/eval/results.ts";
import { runEvalPlan } from "../src/eval/run-plan.ts";
import { startOpenAIServer } from "../src/testing/openai-server.ts";
import { startRedis } from "../test/helpers/redis.ts";

const items = Number(process.env.BENCH_ITEMS ?? 960);
const msPerToken = Number(process.env.BENCH_MS_PER_TOKEN ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** Completion tokens per answer (words of the scripted text, as the server counts them). */
const answerTokens = 30;
const workerCounts = [1, 2, 4];
const target = 3.5;

const datasetSpec = `synthetic:arithmetic?difficulty=1&n=${items}&seed=1`;
/** Other items (another seed), for warming workers up without filling the measured run's cache. */
const warmupSpec = (workers: number) =>
  `synthetic:arithmetic?difficulty=1&n=${2 * workers * concurrency}&seed=2`;
const gold = new Map<string, string>();
for (const spec of [datasetSpec, warmupSpec(Math.max(...workerCounts))]) {
  for (const item of (await loadDataset(spec)).items) gold.set(item.question, item.gold);
}
const filler = Array.from({ length: answerTokens - 4 }, () => "step").join(" ");

/** An endpoint answering every question right after `msPerToken` × its tokens. */
async function endpoint(perToken: number) {
  return startOpenAIServer({
    responder: ({ prompt, n }) => {
      // The question sits inside the strategy's prompt template.
      const answer = [...gold].find(([question]) => prompt.includes(question))?.[1] ?? "0";
      const text = `${filler} The answer: \\boxed{${answer}}`;
      return {
        choices: Array.from({ length: n }, () => ({ text })),
        usage: { completionTokens: answerTokens * n },
        delayMs: perToken * answerTokens,
      };
    },
  });
}

const loadAtStart = loadavg()[0];
const dir = mkdtempSync(join(tmpdir(), "deliberate-bench-distributed-"));
const redis = await startRedis();
const bin = join(import.meta.dirname, "..", "bin", "deliberate.js");

function configFor(url: string, name: string): string {
  const path = join(dir, `${name}.yaml`);
  // The endpoint itself is never the limit here: a GPU server batches far more than we send.
  writeFileSync(
    path,
    `models:\n  m:\n    openai:\n      model: test-model\n      baseURL: ${url}\n      maxInFlightPerEndpoint: 256\n`,
  );
  return path;
}

function plan(config: string, out: string, queue?: string, dataset = datasetSpec) {
  return parseEvalPlan({
    models: [{ spec: "m", concurrency }],
    strategies: ["cot"],
    datasets: [dataset],
    grader: "sync",
    config,
    out,
    ...(queue ? { queue } : {}),
  });
}

/** `count` worker processes, resolved once every one says it is ready. */
async function startWorkers(count: number): Promise<ChildProcess[]> {
  const children = Array.from({ length: count }, (_, i) =>
    spawn(
      process.execPath,
      [bin, "worker", "--queue", redis.url, "--concurrency", String(concurrency), "--id", `w${i}`],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    ),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          let said = "";
          child.stderr!.on("data", (chunk) => {
            said += chunk;
            if (said.includes(": ready on ")) resolve();
          });
          child.once("exit", (code) => reject(new Error(`a worker exited ${code}: ${said}`)));
        }),
    ),
  );
  return children;
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
}

/** Per-cell numbers that must not depend on how many workers ran the grid. */
function outcome(results: EvalResults) {
  return results.cells.map((c) => ({
    cell: c.cell,
    accuracy: c.accuracy,
    n: c.summary.n,
    errors: c.summary.errors,
  }));
}

/** CPU seconds a process has used, all its threads (Linux; undefined elsewhere). */
function cpuSecondsOf(pid: number): number | undefined {
  if (!existsSync(`/proc/${pid}/task`)) return undefined;
  let ticks = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const fields = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8").split(") ")[1].split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

/** CPU seconds of this process and the given workers together. */
function cpuSeconds(children: ChildProcess[]): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1e6 + children.reduce((sum, c) => sum + (cpuSecondsOf(c.pid!) ?? 0), 0);
}

async function timed(
  run: () => Promise<{ solved: number; results: EvalResults }>,
  children: ChildProcess[] = [],
) {
  const cpuBefore = cpuSeconds(children);
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(children) - cpuBefore;
  if (result.solved !== items) throw new Error(`expected ${items} items solved, got ${result.solved}`);
  return {
    seconds,
    itemsPerSecond: items / seconds,
    cpuMsPerItem: (1000 * cpu) / items,
    outcome: outcome(result.results),
  };
}

try {
  // 1. Scaling against the latency-bound endpoint.
  const slow = await endpoint(msPerToken);
  const slowConfig = configFor(slow.url, "slow");
  const scaling: Array<{
    workers: number;
    seconds: number;
    itemsPerSecond: number;
    speedup: number;
    cpuMsPerItem: number;
  }> = [];
  const outcomes: string[] = [];
  for (const workers of workerCounts) {
    const children = await startWorkers(workers);
    try {
      await runEvalPlan(plan(slowConfig, join(dir, `warm-${workers}`), redis.url, warmupSpec(workers)), {
        progress: "none",
      });
      const run = await timed(
        () => runEvalPlan(plan(slowConfig, join(dir, `scale-${workers}`), redis.url), { progress: "none" }),
        children,
      );
      outcomes.push(JSON.stringify(run.outcome));
      scaling.push({
        workers,
        seconds: Number(run.seconds.toFixed(3)),
        itemsPerSecond: Number(run.itemsPerSecond.toFixed(1)),
        speedup: Number((run.itemsPerSecond / (scaling[0]?.itemsPerSecond ?? run.itemsPerSecond)).toFixed(2)),
        cpuMsPerItem: Number(run.cpuMsPerItem.toFixed(2)),
      });
    } finally {
      await stopWorkers(children);
    }
  }
  await slow.close();

  // 2. The queue's own cost per item, against an instant endpoint.
  const instant = await endpoint(0);
  const instantConfig = configFor(instant.url, "instant");
  const local = await timed(() => runEvalPlan(plan(instantConfig, join(dir, "local")), { progress: "none" }));
  const children = await startWorkers(1);
  let queued: Awaited<ReturnType<typeof timed>>;
  try {
    await runEvalPlan(plan(instantConfig, join(dir, "warm-instant"), redis.url, warmupSpec(1)), {
      progress: "none",
    });
    queued = await timed(
      () => runEvalPlan(plan(instantConfig, join(dir, "queued"), redis.url), { progress: "none" }),
      children,
    );
  } finally {
    await stopWorkers(children);
  }
  await instant.close();

  const four = scaling.find((s) => s.workers === 4)!;
  const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: "distributed",
        items,
        strategy: "cot",
        perWorkerConcurrency: concurrency,
        machine: { cpus: cpus().length, loadAverageAtStart: Number(loadAtStart.toFixed(2)) },
        latencyBound: {
          msPerToken,
          tokensPerAnswer: answerTokens,
          runs: scaling,
          target,
          meetsTarget: four.speedup >= target,
          // The same results whatever the number of workers.
          resultsIdentical: new Set(outcomes).size === 1,
          results: digest(outcomes[0]),
          accuracy: JSON.parse(readFileSync(join(dir, "scale-1", "results.json"), "utf8")).accuracy,
        },
        queueOverhead: {
          endpoint: "instant loopback OpenAI-compatible server",
          inProcess: {
            itemsPerSecond: Number(local.itemsPerSecond.toFixed(1)),
            cpuMsPerItem: Number(local.cpuMsPerItem.toFixed(2)),
          },
          queueOneWorker: {
            itemsPerSecond: Number(queued.itemsPerSecond.toFixed(1)),
            cpuMsPerItem: Number(queued.cpuMsPerItem.toFixed(2)),
          },
          extraWallMsPerItem: Number((1000 / queued.itemsPerSecond - 1000 / local.itemsPerSecond).toFixed(2)),
          resultsIdentical: JSON.stringify(local.outcome) === JSON.stringify(queued.outcome),
        },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
}
