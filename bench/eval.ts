/**
 * Eval harness throughput: 10,000 synthetic items through the full runner (cot strategy, caching
 * backend, grading, SQLite store, results.json) with an instant backend, so the number is the
 * harness's own overhead. Target: >= 2,000 items/s. Then the same grid again, all reused.
 * Prints JSON. `BENCH_ITEMS=N` changes the item count.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "../src/eval/datasets/load-dataset.ts";
import { createItemGrader } from "../src/eval/grade-item.ts";
import { runEval } from "../src/eval/runner.ts";
import type { Capabilities, Completion, GenerateRequest, ModelBackend } from "../src/models/types.ts";

const items = Number(process.env.BENCH_ITEMS ?? 10_000);
const dataset = await loadDataset(`synthetic:arithmetic?difficulty=1&n=${items}&seed=1`);
const gold = new Map(dataset.items.map((item) => [item.question, item.gold]));

const capabilities: Capabilities = {
  nativeN: true,
  logprobs: false,
  maxTopLogprobs: 0,
  score: false,
  chatTemplate: true,
  rawPrompt: true,
  prefill: false,
  seed: true,
  topK: false,
  minP: false,
};

/** Answers at once with the gold answer: the clock measures the harness, not a model. */
const backend: ModelBackend = {
  id: "instant",
  capabilities,
  async generate(request: GenerateRequest): Promise<Completion[]> {
    const answer = gold.get(request.messages?.at(-1)?.content ?? "") ?? "0";
    return Array.from({ length: request.n ?? 1 }, (_, index) => ({
      index,
      text: `The answer is \\boxed{${answer}}.`,
      finishReason: "stop" as const,
      usage: { promptTokens: 20, completionTokens: 6 },
      timings: { totalMs: 0 },
      backend: "instant",
      ...(request.seed === undefined ? {} : { seed: request.seed + index }),
    }));
  },
  stream() {
    throw new Error("the bench does not stream");
  },
  async close() {},
};

const dir = mkdtempSync(join(tmpdir(), "deliberate-bench-eval-"));
const options = {
  models: [{ name: "instant", backend, concurrency: 16 }],
  strategies: [{ name: "cot" }],
  datasets: [dataset],
  outDir: dir,
  grader: createItemGrader({ mode: "sync" }),
  progress: "none" as const,
};

let started = performance.now();
const cpu = process.cpuUsage();
const cold = await runEval(options);
const coldSeconds = (performance.now() - started) / 1000;
// CPU time as well as wall time: on a shared machine wall time mostly measures the neighbours.
const used = process.cpuUsage(cpu);
const cpuSeconds = (used.user + used.system) / 1e6;
started = performance.now();
const warm = await runEval(options);
const warmSeconds = (performance.now() - started) / 1000;
rmSync(dir, { recursive: true, force: true });

const itemsPerSecond = Math.round(cold.solved / coldSeconds);
process.stdout.write(
  `${JSON.stringify(
    {
      bench: "eval",
      items,
      solved: cold.solved,
      accuracy: cold.results.accuracy,
      seconds: Number(coldSeconds.toFixed(3)),
      itemsPerSecond,
      cpuSeconds: Number(cpuSeconds.toFixed(3)),
      itemsPerCpuSecond: Math.round(cold.solved / cpuSeconds),
      target: 2000,
      meetsTarget: itemsPerSecond >= 2000,
      meetsTargetInCpuTime: cold.solved / cpuSeconds >= 2000,
      resume: { reused: warm.skipped, seconds: Number(warmSeconds.toFixed(3)) },
    },
    null,
    2,
  )}\n`,
);
