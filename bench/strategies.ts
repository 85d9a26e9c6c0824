/**
 * Strategy benchmarks. Prints JSON.
 *
 *   npm run bench:strategies        (env: BENCH_SOLVES, BENCH_THREADS, BENCH_TOKENS, BENCH_REPS)
 *
 * 1. Overhead: time a solve spends outside model calls (prompting, seeds, budget checks, answer
 *    extraction, voting, tracing), per strategy, with an instant scripted backend. Model time is the
 *    union of the `generate` nodes' intervals, so parallel calls are not double-counted.
 *    Target: < 2 ms per solve for 8-sample strategies.
 * 2. Self-consistency N = 8 wall time against one sample on a small random-weight llama model: one
 *    call with native n = 8 decodes the 8 sequences in shared batches.
 *    Target: N = 8 well under 8x one sample.
 */
import { createLlamaBackend } from "../src/models/llama/index.ts";
import type { ModelBackend } from "../src/models/types.ts";
import { solve } from "../src/strategies/index.ts";
import { ScriptedBackend } from "../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../src/trace/recorder.ts";
import type { Trace } from "../src/trace/types.ts";
import { tinyModelPath } from "../test/helpers/tiny-model.ts";

const SOLVES = Number(process.env.BENCH_SOLVES ?? 300);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const MAX_TOKENS = Number(process.env.BENCH_TOKENS ?? 48);
const REPS = Number(process.env.BENCH_REPS ?? 3);
/** Big enough that decoding dominates a sample's time, small enough to write in a second. */
const MODEL = { layers: 4, embd: 256, heads: 4, contextLength: 1024, seed: 11 };

const problem = { messages: [{ role: "user" as const, content: "What is 6 * 7?" }] };

/** Total time covered by the generate nodes (overlapping intervals merged). */
function modelMs(trace: Trace): number {
  const spans = trace.nodes
    .filter((n) => n.kind === "generate" && n.endedAt !== undefined)
    .map((n) => [n.startedAt, n.endedAt!] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [start, end] = [Number.NaN, Number.NaN];
  for (const [s, e] of spans) {
    if (Number.isNaN(start) || s > end) {
      if (!Number.isNaN(start)) total += end - start;
      [start, end] = [s, e];
    } else end = Math.max(end, e);
  }
  return Number.isNaN(start) ? total : total + end - start;
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function overhead() {
  const cases = [
    ["cot", {}],
    ["self-consistency", { samples: 8 }],
    ["self-consistency", { samples: 16, stopping: "beta" }],
    ["confidence-vote", { samples: 8 }],
    ["best-of-n", { samples: 8, verifier: "has-answer" }],
    ["weighted-best-of-n", { samples: 8, verifier: "judge" }],
  ] as const;
  const results = [];
  for (const [strategy, options] of cases) {
    const policy = new ScriptedBackend({ answers: { "42": 0.6, "41": 0.4 } });
    const verifier = new ScriptedBackend({ id: "judge", script: () => "Yes" });
    const outside: number[] = [];
    for (let i = 0; i < SOLVES; i++) {
      const trace = new TraceRecorder();
      const started = performance.now();
      await solve(problem, { strategy, options, backends: { policy, verifier }, seed: i, trace });
      const wall = performance.now() - started;
      outside.push(Math.max(0, wall - modelMs(trace.trace)));
    }
    results.push({
      strategy,
      options,
      solves: SOLVES,
      overheadMsMean: outside.reduce((a, b) => a + b, 0) / outside.length,
      overheadMsP50: percentile(outside, 0.5),
      overheadMsP95: percentile(outside, 0.95),
    });
  }
  return results;
}

async function timeSolve(policy: ModelBackend, samples: number, seed: number) {
  const started = performance.now();
  const solution = await solve(problem, {
    strategy: "self-consistency",
    options: { samples, maxTokens: MAX_TOKENS, temperature: 0.8 },
    backends: { policy },
    seed,
  });
  const usage = Object.values(solution.usage)[0];
  return { ms: performance.now() - started, completionTokens: usage.completionTokens };
}

async function parallelSampling() {
  const policy = await createLlamaBackend({
    model: await tinyModelPath(MODEL),
    threads: THREADS,
    contextSize: 512,
  });
  try {
    await timeSolve(policy, 8, 999); // warm-up: load, first allocations
    const one: number[] = [];
    const eight: number[] = [];
    let tokensOne = 0;
    let tokensEight = 0;
    for (let rep = 0; rep < REPS; rep++) {
      const a = await timeSolve(policy, 1, rep);
      const b = await timeSolve(policy, 8, rep);
      one.push(a.ms);
      eight.push(b.ms);
      tokensOne += a.completionTokens;
      tokensEight += b.completionTokens;
    }
    const oneMs = percentile(one, 0.5);
    const eightMs = percentile(eight, 0.5);
    return {
      model: { ...MODEL, threads: THREADS, maxTokens: MAX_TOKENS },
      reps: REPS,
      oneSampleMsP50: oneMs,
      eightSamplesMsP50: eightMs,
      wallRatio: eightMs / oneMs,
      tokensPerSecondOne: tokensOne / (one.reduce((a, b) => a + b, 0) / 1000),
      tokensPerSecondEight: tokensEight / (eight.reduce((a, b) => a + b, 0) / 1000),
    };
  } finally {
    await policy.close();
  }
}

const report = { overhead: await overhead(), selfConsistencyN8: await parallelSampling() };
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
