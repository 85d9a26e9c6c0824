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
 * 3. MCTS on the builtin tiny-reasoner (real llama.cpp) over fresh `sums` problems at the hardest
 *    level: the share of wall time spent outside model calls (tree, UCT, rollout chains, tracing,
 *    budget checks), against the time in model calls. Target: < 2% of model time.
 *    (env: BENCH_MCTS_PROBLEMS, BENCH_MCTS_SIMULATIONS, BENCH_MCTS_REPS)
 */
import { builtinManifest } from "../src/models/builtin.ts";
import { createLlamaBackend } from "../src/models/llama/index.ts";
import { resolveModel } from "../src/models/registry.ts";
import type { ModelBackend } from "../src/models/types.ts";
import { solve } from "../src/strategies/index.ts";
import { generateSynthetic } from "../src/tasks/index.ts";
import type { SyntheticName } from "../src/tasks/types.ts";
import { type ScriptContext, ScriptedBackend } from "../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../src/trace/recorder.ts";
import type { Trace } from "../src/trace/types.ts";
import { tinyModelPath } from "../test/helpers/tiny-model.ts";

const SOLVES = Number(process.env.BENCH_SOLVES ?? 300);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const MAX_TOKENS = Number(process.env.BENCH_TOKENS ?? 48);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const MCTS_PROBLEMS = Number(process.env.BENCH_MCTS_PROBLEMS ?? 20);
const MCTS_SIMULATIONS = Number(process.env.BENCH_MCTS_SIMULATIONS ?? 8);
const MCTS_REPS = Number(process.env.BENCH_MCTS_REPS ?? 3);
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
    ["mcts", { simulations: 8, expansions: 3 }],
  ] as const;
  const results = [];
  for (const [strategy, options] of cases) {
    const policy =
      strategy === "mcts"
        ? new ScriptedBackend({ script: steps })
        : new ScriptedBackend({ answers: { "42": 0.6, "41": 0.4 } });
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

/** Three steps of a seeded digit, then an answer: a tree for MCTS to grow, instantly. */
function steps({ request, random }: ScriptContext): string {
  const depth = (request.assistantPrefix ?? "").split("\n\n").length - 1;
  const digit = Math.floor(random() * 3);
  return depth >= 3 || request.stop === undefined ? `So \\boxed{${40 + digit}}.` : `step ${digit}\n\n`;
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

/**
 * MCTS's time outside model calls against its time in them, on the builtin model and its task. Each
 * problem is solved `MCTS_REPS` times with the same seed (the same tree, call for call); the share
 * takes each problem's quickest rep, since a busy machine parks the process between calls and that
 * wait is not MCTS's work. The share over every rep is printed beside it.
 */
async function mctsOnTinyReasoner() {
  const { task } = builtinManifest();
  const policy = await resolveModel("builtin:tiny-reasoner", { threads: THREADS });
  const options = {
    simulations: MCTS_SIMULATIONS,
    expansions: 3,
    stepBreak: "\n",
    stepTokens: 16,
    maxTokens: 64,
    maxDepth: 10,
  };
  const solveOnce = async (item: { id: string; question: string }, seed: number) => {
    const trace = new TraceRecorder();
    const started = performance.now();
    const solution = await solve(
      { id: item.id, messages: [{ role: "user", content: item.question }] },
      { strategy: "mcts", options, backends: { policy }, seed, trace },
    );
    const wall = performance.now() - started;
    const model = modelMs(trace.trace);
    const calls = Object.values(solution.usage).reduce((sum, u) => sum + u.calls, 0);
    return { wall, model, outside: wall - model, key: solution.key, calls };
  };
  try {
    const items = generateSynthetic(task.name as SyntheticName, {
      difficulty: task.hardest,
      n: MCTS_PROBLEMS,
      seed: 7,
    });
    // Warm-up: the first solve loads the model and allocates contexts.
    await solveOnce(items[0], 999);
    const best = { wall: 0, model: 0, outside: 0 };
    const all = { model: 0, outside: 0 };
    let correct = 0;
    let calls = 0;
    for (const [i, item] of items.entries()) {
      const reps = [];
      for (let rep = 0; rep < MCTS_REPS; rep++) reps.push(await solveOnce(item, i));
      const quickest = reps.reduce((a, b) => (b.outside < a.outside ? b : a));
      best.wall += quickest.wall;
      best.model += quickest.model;
      best.outside += quickest.outside;
      for (const rep of reps) {
        all.model += rep.model;
        all.outside += rep.outside;
      }
      correct += quickest.key === item.answer ? 1 : 0;
      calls += quickest.calls;
    }
    return {
      model: "builtin:tiny-reasoner",
      task: `${task.name} level ${task.hardest}`,
      options,
      problems: items.length,
      reps: MCTS_REPS,
      wallMsPerSolve: best.wall / items.length,
      modelMsPerSolve: best.model / items.length,
      outsideMsPerSolve: best.outside / items.length,
      callsPerSolve: calls / items.length,
      outsideModelShare: best.outside / best.model,
      outsideModelShareEveryRep: all.outside / all.model,
      target: "outsideModelShare < 0.02",
      accuracy: correct / items.length,
    };
  } finally {
    await policy.close();
  }
}

const report = {
  overhead: await overhead(),
  selfConsistencyN8: await parallelSampling(),
  mctsTinyReasoner: await mctsOnTinyReasoner(),
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
