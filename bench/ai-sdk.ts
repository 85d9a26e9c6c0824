/**
 * The AI SDK middleware's overhead. Prints JSON.
 *
 *   npm run bench:ai-sdk        (env: BENCH_SOLVES, default 500; BENCH_SAMPLES, default 8)
 *
 * The AI SDK's MockLanguageModelV3 answers instantly. Each round times, back to back:
 * - direct: the N `doGenerate` calls a self-consistency@N solve makes, issued by hand in parallel
 *   (each with its own seed), the floor any sampler pays;
 * - middleware: one `doGenerate` of the model wrapped with `deliberateMiddleware` (self-consistency,
 *   N samples): prompt conversion, options, the capability check, solve() (seeds, budget ledger,
 *   trace, answer extraction, the vote), the per-sample backend mapping, usage and metadata.
 * The overhead of a round is middleware − direct; p50/p95 over rounds. Target: < 1 ms at p50.
 * `generateText` over each is timed too, for the figure a user sees.
 */
import { loadavg } from "node:os";
import type { LanguageModelV3CallOptions } from "@ai-sdk/provider";
import { generateText, wrapLanguageModel } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { deliberateMiddleware } from "../src/integrations/ai-sdk/index.ts";

const SOLVES = Number(process.env.BENCH_SOLVES ?? 500);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 8);
/** Rounds run first and not counted: JIT warm-up, first allocations. */
const WARMUP = 50;

const answers = ["42", "41", "42", "42", "40", "42", "41", "42"];
let call = 0;
const model = new MockLanguageModelV3({
  doGenerate: async () => {
    const text = `Let me think step by step. 6 * 7 = 42. The answer is \\boxed{${answers[call++ % answers.length]}}.`;
    return {
      content: [{ type: "text", text }],
      finishReason: { unified: "stop", raw: "stop" },
      usage: {
        inputTokens: { total: 12, noCache: 12, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 16, text: 16, reasoning: undefined },
      },
      warnings: [],
    };
  },
});
// The mock records every call; the bench does not need them.
Object.defineProperty(model, "doGenerateCalls", { get: () => [], set: () => {} });

const wrapped = wrapLanguageModel({
  model,
  middleware: deliberateMiddleware({ strategy: "self-consistency", options: { samples: SAMPLES } }),
});

const params: LanguageModelV3CallOptions = {
  prompt: [{ role: "user", content: [{ type: "text", text: "What is 6 * 7?" }] }],
};

async function direct(): Promise<void> {
  await Promise.all(Array.from({ length: SAMPLES }, (_, i) => model.doGenerate({ ...params, seed: i })));
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(values: number[]) {
  return {
    p50: round(percentile(values, 0.5)),
    p95: round(percentile(values, 0.95)),
    mean: round(values.reduce((a, b) => a + b, 0) / values.length),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

async function main() {
  const rows = { direct: [] as number[], middleware: [] as number[], overhead: [] as number[] };
  const text = { direct: [] as number[], middleware: [] as number[], overhead: [] as number[] };
  let answer: unknown;
  for (let round = 0; round < WARMUP + SOLVES; round++) {
    const directMs = await timed(direct);
    const middlewareMs = await timed(async () => {
      answer = (await wrapped.doGenerate(params)).providerMetadata?.deliberate?.answer;
    });
    // generateText over the bare model makes one call; over the wrapped model, N. Compare it with
    // the direct round plus one generateText of the bare model (the AI SDK's own cost per call).
    const plainTextMs = await timed(() => generateText({ model, prompt: "What is 6 * 7?" }));
    const wrappedTextMs = await timed(() => generateText({ model: wrapped, prompt: "What is 6 * 7?" }));
    if (round < WARMUP) continue;
    rows.direct.push(directMs);
    rows.middleware.push(middlewareMs);
    rows.overhead.push(middlewareMs - directMs);
    text.direct.push(plainTextMs + directMs);
    text.middleware.push(wrappedTextMs);
    text.overhead.push(wrappedTextMs - plainTextMs - directMs);
  }
  console.log(
    JSON.stringify(
      {
        benchmark: "ai-sdk middleware overhead",
        strategy: `self-consistency@${SAMPLES}`,
        solves: SOLVES,
        answer,
        doGenerateMs: {
          direct: summary(rows.direct),
          middleware: summary(rows.middleware),
          overhead: summary(rows.overhead),
        },
        generateTextMs: {
          direct: summary(text.direct),
          middleware: summary(text.middleware),
          overhead: summary(text.overhead),
        },
        target: "overhead < 1 ms at p50",
        node: process.version,
        loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      },
      null,
      2,
    ),
  );
}

await main();
