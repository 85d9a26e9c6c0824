/**
 * Throughput of the llama backend against a plain node-llama-cpp loop on the same model and settings.
 *
 *   npm run bench:backend            (env: BENCH_THREADS, BENCH_TOKENS, BENCH_REPS)
 *
 * Writes a ~25M-parameter random llama GGUF once (cached in the tmpdir), then for n = 1 and n = 8
 * measures generated tokens per second (prompt evaluation included) through `createLlamaBackend`
 * and through a hand-written loop of `sequence.evaluate` over n sequences of one context. Each
 * repetition uses a fresh prompt so neither side profits from a cached prefix. Prints JSON.
 *
 * Targets: ours >= 95% of the plain loop; n = 8 aggregate >= 1.15x n = 1.
 */
import { mkdir, rename, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { writeTinyModel } from "../src/models/gguf/tiny-model.ts";
import { createLlamaBackend, defaultThreads, LLAMA_SAMPLING_DEFAULTS } from "../src/models/llama/index.ts";
import { getLlamaInstance } from "../src/models/llama/llama-instance.ts";
import { tokenizeRaw } from "../src/models/llama/render-prompt.ts";

/** 7 layers of width 512 (ff 1536) over the ~400-token char vocabulary: about 25M weights. */
const MODEL = {
  layers: 7,
  embd: 512,
  heads: 8,
  ff: 1536,
  contextLength: 2048,
  seed: 25,
  tensorType: "F16",
} as const;
const THREADS = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : undefined;
const MAX_TOKENS = Number(process.env.BENCH_TOKENS ?? 64);
const REPS = Number(process.env.BENCH_REPS ?? 7);
const CONTEXT_SIZE = 256;
/** The warm-up run's index: its own prompt and seeds, apart from the timed ones. */
const WARMUP_REP = 99;
const SAMPLING = { ...LLAMA_SAMPLING_DEFAULTS };

async function benchModelPath(): Promise<{ path: string; parameters?: number }> {
  const dir = join(tmpdir(), "deliberate-bench");
  const path = join(dir, `backend-25m-v1.gguf`);
  if (await stat(path).catch(() => undefined)) return { path };
  await mkdir(dir, { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const result = await writeTinyModel(temp, MODEL);
  await rename(temp, path);
  return { path, parameters: result.parameters };
}

/**
 * The same prompt for both sides in a rep; its first character differs between reps, so our pool's
 * sequences (which keep the previous prompt's KV cache) reuse nothing but BOS.
 */
function prompt(rep: number, n: number): string {
  const lead = String.fromCharCode(65 + (rep % 26));
  return `${lead}${n}: think step by step about the sum of ${rep * 7 + n} and ${rep + 3}.`;
}

/** The baseline: n sequences of one context, each draining `sequence.evaluate` up to MAX_TOKENS. */
async function plainLoop(model: LlamaModel, sequences: LlamaContextSequence[], rep: number): Promise<Timing> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  // Timed, like our backend's tokenizing and cache trimming.
  const promptTokens: Token[] = tokenizeRaw(model, prompt(rep, sequences.length));
  await Promise.all(sequences.map((sequence) => sequence.clearHistory()));
  const counts = await Promise.all(
    sequences.map(async (sequence, i) => {
      let count = 0;
      for await (const _token of sequence.evaluate(promptTokens, { ...SAMPLING, seed: 1000 * rep + i })) {
        if (++count >= MAX_TOKENS) break;
      }
      return count;
    }),
  );
  return { tokens: counts.reduce((a, b) => a + b, 0), ms: performance.now() - started, cpuMs: cpuMs(cpu) };
}

async function ours(
  backend: Awaited<ReturnType<typeof createLlamaBackend>>,
  n: number,
  rep: number,
): Promise<Timing> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const completions = await backend.generate({
    prompt: prompt(rep, n),
    n,
    maxTokens: MAX_TOKENS,
    seed: 1000 * rep,
    ...SAMPLING,
  });
  const ms = performance.now() - started;
  return { tokens: completions.reduce((sum, c) => sum + c.usage.completionTokens, 0), ms, cpuMs: cpuMs(cpu) };
}

interface Timing {
  tokens: number;
  /** Wall time. */
  ms: number;
  /** CPU time of the whole process (all threads): steadier than wall time on a loaded machine. */
  cpuMs: number;
}
type Run = (rep: number) => Promise<Timing>;

function cpuMs(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}

/**
 * Runs the two sides alternately, rep by rep, so load from other processes hits both alike; reports
 * median tokens/s per side and the median of per-rep ratios (ours / plain).
 */
async function measurePair(plain: Run, ours: Run) {
  await plain(WARMUP_REP); // warm-up: first graph allocation, caches
  await ours(WARMUP_REP);
  const plainRuns: Timing[] = [];
  const ourRuns: Timing[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    // Alternate which side goes first, so neither always runs on the caches the other warmed.
    if (rep % 2 === 0) {
      plainRuns.push(await plain(rep));
      ourRuns.push(await ours(rep));
    } else {
      ourRuns.push(await ours(rep));
      plainRuns.push(await plain(rep));
    }
  }
  const wall = (t: Timing) => (t.tokens / t.ms) * 1000;
  const cpu = (t: Timing) => (t.tokens / t.cpuMs) * 1000;
  const summary = (runs: Timing[]) => ({
    tokensPerSecond: round(median(runs.map(wall))),
    tokensPerCpuSecond: round(median(runs.map(cpu))),
    runs: runs.map((t) => round(wall(t))),
  });
  return {
    plain: summary(plainRuns),
    ours: summary(ourRuns),
    oursVsPlain: round2(median(ourRuns.map((t, i) => wall(t) / wall(plainRuns[i])))),
    oursVsPlainCpu: round2(median(ourRuns.map((t, i) => cpu(t) / cpu(plainRuns[i])))),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

const { path, parameters } = await benchModelPath();
const llama = await getLlamaInstance(false);
const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
const backend = await createLlamaBackend({ model: path, threads: THREADS, contextSize: CONTEXT_SIZE });
const results: Record<string, Awaited<ReturnType<typeof measurePair>>> = {};
for (const n of [1, 8]) {
  // Both sides keep one context of n sequences across runs (ours through its pool).
  const context = await model.createContext({
    sequences: n,
    contextSize: CONTEXT_SIZE,
    threads: THREADS ?? defaultThreads(model.size),
  });
  const sequences = Array.from({ length: n }, () => context.getSequence());
  results[`n${n}`] = await measurePair(
    (rep) => plainLoop(model, sequences, rep),
    (rep) => ours(backend, n, rep),
  );
  await context.dispose();
}
await backend.close();

/**
 * Prompt sharing: n = 8 samples of a ~1,000-token prompt. Before: every sequence evaluates the
 * prompt itself (what the backend did until it loaded the prompt once and copied it, and what the
 * plain loop does). After: our backend. Time to first token and total time, medians over reps,
 * the two sides alternating.
 */
async function promptSharing() {
  const n = 8;
  const contextSize = 2048;
  const tokens = 24;
  const longPrompt = (rep: number) =>
    `${String.fromCharCode(65 + (rep % 26))}: ${"add the next digit to the running sum and carry. ".repeat(20)}`;
  const shared = await createLlamaBackend({ model: path, threads: THREADS, contextSize });
  const context = await model.createContext({
    sequences: n,
    contextSize,
    threads: THREADS ?? defaultThreads(model.size),
  });
  const sequences = Array.from({ length: n }, () => context.getSequence());
  const before = async (rep: number) => {
    const started = performance.now();
    const promptTokens: Token[] = tokenizeRaw(model, longPrompt(rep));
    await Promise.all(sequences.map((sequence) => sequence.clearHistory()));
    let firstTokenMs = Number.POSITIVE_INFINITY;
    await Promise.all(
      sequences.map(async (sequence, i) => {
        let count = 0;
        for await (const _token of sequence.evaluate(promptTokens, { ...SAMPLING, seed: 1000 * rep + i })) {
          firstTokenMs = Math.min(firstTokenMs, performance.now() - started);
          if (++count >= tokens) break;
        }
      }),
    );
    return { promptTokens: promptTokens.length, firstTokenMs, totalMs: performance.now() - started };
  };
  const after = async (rep: number) => {
    const started = performance.now();
    const completions = await shared.generate({
      prompt: longPrompt(rep),
      n,
      maxTokens: tokens,
      seed: 1000 * rep,
      ...SAMPLING,
    });
    const firstTokenMs = Math.min(
      ...completions.map((c) => c.timings.firstTokenMs ?? Number.POSITIVE_INFINITY),
    );
    return {
      promptTokens: completions[0]?.usage.promptTokens ?? 0,
      firstTokenMs,
      totalMs: performance.now() - started,
    };
  };
  await before(WARMUP_REP);
  await after(WARMUP_REP);
  const runs = {
    before: [] as Awaited<ReturnType<typeof before>>[],
    after: [] as Awaited<ReturnType<typeof after>>[],
  };
  for (let rep = 0; rep < Math.min(REPS, 5); rep++) {
    if (rep % 2 === 0) {
      runs.before.push(await before(rep));
      runs.after.push(await after(rep));
    } else {
      runs.after.push(await after(rep));
      runs.before.push(await before(rep));
    }
  }
  await context.dispose();
  await shared.close();
  const summary = (list: Array<{ firstTokenMs: number; totalMs: number }>) => ({
    firstTokenMs: round(median(list.map((r) => r.firstTokenMs))),
    totalMs: round(median(list.map((r) => r.totalMs))),
  });
  const b = summary(runs.before);
  const a = summary(runs.after);
  return {
    n,
    promptTokens: runs.after[0]?.promptTokens,
    maxTokens: tokens,
    before: b,
    after: a,
    firstTokenSpeedup: round2(b.firstTokenMs / a.firstTokenMs),
    totalSpeedup: round2(b.totalMs / a.totalMs),
  };
}
const sharing = await promptSharing();
await model.dispose();

console.log(
  JSON.stringify(
    {
      bench: "backend",
      model: { file: path, ...MODEL, parameters },
      threads: THREADS,
      maxTokens: MAX_TOKENS,
      reps: REPS,
      contextSize: CONTEXT_SIZE,
      sampling: SAMPLING,
      ...results,
      promptSharing: sharing,
      ratios: {
        oursVsPlainN1: results.n1.oursVsPlain,
        oursVsPlainN8: results.n8.oursVsPlain,
        oursVsPlainCpuN1: results.n1.oursVsPlainCpu,
        oursVsPlainCpuN8: results.n8.oursVsPlainCpu,
        oursN8VsN1: round2(results.n8.ours.tokensPerSecond / results.n1.ours.tokensPerSecond),
        oursN8VsN1Cpu: round2(results.n8.ours.tokensPerCpuSecond / results.n1.ours.tokensPerCpuSecond),
        plainN8VsN1: round2(results.n8.plain.tokensPerSecond / results.n1.plain.tokensPerSecond),
      },
      targets: { oursVsPlain: ">= 0.95", n8VsN1: ">= 1.15" },
    },
    null,
    2,
  ),
);
