/**
 * Distill pipeline throughput: teacher traces graded and written per second with an instant
 * backend, so the number is the pipeline's own overhead (the eval runner with its store and cache,
 * grading every sample, dedupe, DPO pairs, the manifest, and every file of the dataset folder).
 * Target: >= 2,000 traces/s. Then the same run again, all reused from the store.
 * Prints JSON. `BENCH_PROBLEMS=N` and `BENCH_K=K` change the size (default 1,500 × 8).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distill } from "../src/distill/distill.ts";
import { loadDataset } from "../src/eval/datasets/load-dataset.ts";
import type { Capabilities, Completion, GenerateRequest, ModelBackend } from "../src/models/types.ts";

const problems = Number(process.env.BENCH_PROBLEMS ?? 1_500);
const k = Number(process.env.BENCH_K ?? 8);
const spec = `synthetic:sums?difficulty=4&n=${problems}&seed=1`;
const dataset = await loadDataset(spec);
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

/**
 * Answers at once: three samples in four right, each worded its own way (so dedupe has work but
 * removes little), like a teacher at 75% per sample.
 */
const teacher: ModelBackend = {
  id: "instant",
  capabilities,
  async generate(request: GenerateRequest): Promise<Completion[]> {
    const question = request.messages?.at(-1)?.content ?? "";
    const answer = Number(gold.get(question) ?? "0");
    return Array.from({ length: request.n ?? 1 }, (_, index) => {
      const seed = (request.seed ?? 0) + index;
      const value = seed % 4 === 3 ? answer + 1 : answer;
      return {
        index,
        text: `Sample ${seed % 1000}: I add the terms of ${question} one at a time, keeping a running total of ${seed % 97} checks. The answer is \\boxed{${value}}.`,
        finishReason: "stop" as const,
        usage: { promptTokens: 20, completionTokens: 30 },
        timings: { totalMs: 0 },
        backend: "instant",
        seed,
      };
    });
  },
  stream() {
    throw new Error("the bench does not stream");
  },
  async close() {},
};

const out = mkdtempSync(join(tmpdir(), "deliberate-bench-distill-"));
const options = {
  teachers: ["instant"],
  backends: { instant: teacher },
  dataset: spec,
  samples: k,
  out,
  concurrency: 16,
  grader: "sync" as const,
  progress: "none" as const,
};

let started = performance.now();
const cpu = process.cpuUsage();
const cold = await distill(options);
const coldSeconds = (performance.now() - started) / 1000;
// CPU time as well as wall time: on a shared machine wall time mostly measures the neighbours.
const used = process.cpuUsage(cpu);
const cpuSeconds = (used.user + used.system) / 1e6;
started = performance.now();
const warm = await distill(options);
const warmSeconds = (performance.now() - started) / 1000;
rmSync(out, { recursive: true, force: true });

const traces = cold.manifest?.counts.traces ?? 0;
const tracesPerSecond = Math.round(traces / coldSeconds);
process.stdout.write(
  `${JSON.stringify(
    {
      bench: "distill",
      problems,
      k,
      traces,
      correct: cold.manifest?.counts.correct,
      kept: cold.manifest?.counts.kept,
      dpoPairs: cold.manifest?.counts.dpoPairs,
      seconds: Number(coldSeconds.toFixed(3)),
      tracesPerSecond,
      cpuSeconds: Number(cpuSeconds.toFixed(3)),
      tracesPerCpuSecond: Math.round(traces / cpuSeconds),
      target: 2000,
      meetsTarget: tracesPerSecond >= 2000,
      meetsTargetInCpuTime: traces / cpuSeconds >= 2000,
      resume: {
        reused: warm.passes.eval.reused,
        seconds: Number(warmSeconds.toFixed(3)),
        tracesPerSecond: Math.round((warm.manifest?.counts.traces ?? 0) / warmSeconds),
      },
    },
    null,
    2,
  )}\n`,
);
