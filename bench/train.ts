/**
 * Lab training speed: matmul GFLOP/s (naive single-core i-k-j loop, register-blocked JavaScript, the
 * WebAssembly SIMD kernel on 1 and on all threads) and SFT training tokens/s with the achieved
 * GFLOP/s (SIMD kernel, all threads), on the `reference` model shape.
 * Prints one JSON object. `npm run bench:train [-- --seconds 20 --threads 2 --preset reference]`
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { type PresetName, presets } from "../src/lab/model/config.ts";
import { LlamaModel } from "../src/lab/model/llama-model.ts";
import { Random } from "../src/lab/random.ts";
import { buildTaskData, sampleBatch } from "../src/lab/tasks/task-data.ts";
import { alloc } from "../src/lab/tensor/alloc.ts";
import { matmulNaive } from "../src/lab/tensor/matmul.ts";
import { MatmulPool } from "../src/lab/tensor/matmul-pool.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    threads: { type: "string", default: "2" },
    preset: { type: "string", default: "reference" },
    task: { type: "string", default: "arithmetic" },
  },
});
const seconds = Number(values.seconds);
const threads = Number(values.threads);
const preset = values.preset as PresetName;

/** Runs `fn` for about `ms` after a warm-up; returns wall and CPU (all threads) ms per call. */
function time(fn: () => void, ms: number): { wall: number; cpu: number } {
  fn();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let calls = 0;
  while (performance.now() - start < ms) {
    fn();
    calls++;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - start) / calls, cpu: (cpu.user + cpu.system) / 1000 / calls };
}

// One linear layer's shape in the reference model: 1024 tokens × 96 in → 256 out.
const [M, N, K] = [1024, 256, 96];
const a = alloc(M * K);
const b = alloc(K * N);
const out = alloc(M * N);
const random = new Random(1);
for (let i = 0; i < a.length; i++) a[i] = random.normal();
for (let i = 0; i < b.length; i++) b[i] = random.normal();
const gflops = (ms: number) => Math.round(((2 * M * N * K) / ms / 1e6) * 100) / 100;
/** GFLOP/s by the wall clock, and per CPU-second (what one core delivers when it is not shared). */
const rates = ({ wall, cpu }: { wall: number; cpu: number }) => ({
  wall: gflops(wall),
  perCpuSecond: gflops(cpu),
});
const singleJs = new MatmulPool({ threads: 1, kernel: "js" });
const single = new MatmulPool({ threads: 1, kernel: "wasm" });
const pooled = new MatmulPool({ threads, kernel: "wasm" });
await pooled.ready();
const matmul = {
  shape: [M, N, K],
  naiveSingleCoreGflops: rates(time(() => matmulNaive(out, a, b, M, N, K), 1500)),
  jsBlockedSingleCoreGflops: rates(time(() => singleJs.matmul("ab", out, a, b, M, N, K), 1500)),
  wasmSimdSingleCoreGflops: rates(time(() => single.matmul("ab", out, a, b, M, N, K), 1500)),
  wasmSimdPooledGflops: rates(time(() => pooled.matmul("ab", out, a, b, M, N, K), 1500)),
  threads,
};

// Training throughput on real task batches.
const shape = presets[preset];
const data = buildTaskData({
  task: values.task as "arithmetic",
  trainSize: 2000,
  validSize: 10,
  contextLength: shape.contextLength,
});
const config = { ...shape, vocabSize: data.tokenizer.vocabSize };
const model = new LlamaModel(config, { pool: pooled });
const batchSize = 16;
let steps = 0;
let positions = 0;
let targets = 0;
let flops = 0;
const { dim: D, ffnDim: F, vocabSize: V, layers, heads } = config;
const start = performance.now();
const cpuStart = process.cpuUsage();
while (performance.now() - start < seconds * 1000 || steps < 2) {
  const batch = sampleBatch(data.train, batchSize, config.contextLength, random);
  model.zeroGrad();
  model.forward(batch.tokens, batch.targets, batch.B, batch.T);
  model.backward();
  const rows = batch.B * batch.T;
  // Matmul multiply-adds per row: q,k,v,o (4D²) + gate, up, down (3DF) per layer, plus the output head.
  const matmulFlops = 2 * rows * (layers * (4 * D * D + 3 * D * F) + D * V);
  // Attention: q·k and p·v over the causal half, (T+1)/2 keys per query on average.
  const attentionFlops = 2 * 2 * batch.B * heads * ((batch.T * (batch.T + 1)) / 2) * (D / heads) * layers;
  // The backward pass costs about twice the forward.
  flops += 3 * (matmulFlops + attentionFlops);
  positions += rows;
  targets += batch.targetCount;
  steps++;
}
const elapsed = (performance.now() - start) / 1000;
const usage = process.cpuUsage(cpuStart);
const cpuSeconds = (usage.user + usage.system) / 1e6;
await singleJs.close();
await single.close();
await pooled.close();
console.log(
  JSON.stringify(
    {
      matmul,
      training: {
        preset,
        task: values.task,
        parameters: model.params.length,
        batchSize,
        steps,
        seconds: Math.round(elapsed * 10) / 10,
        msPerStep: Math.round((elapsed * 1000) / steps),
        positionsPerSecond: Math.round(positions / elapsed),
        targetTokensPerSecond: Math.round(targets / elapsed),
        achievedGflops: Math.round((flops / elapsed / 1e9) * 100) / 100,
        // Per CPU-second of this process (all its threads): robust to other processes sharing the cores.
        gflopsPerCpuSecond: Math.round((flops / cpuSeconds / 1e9) * 100) / 100,
        threads,
      },
      // A busy machine slows every number above; the load average says how busy it was.
      machine: { cores: availableParallelism(), loadAverage1m: Math.round(loadavg()[0] * 10) / 10 },
    },
    null,
    2,
  ),
);
