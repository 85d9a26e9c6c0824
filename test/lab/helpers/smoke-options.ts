import type { SftOptions } from "../../../src/lab/train/sft.ts";

/** A model and data small enough for a training step in a few ms on one core. */
export function smokeOptions(outDir: string): SftOptions {
  return {
    task: "modular",
    outDir,
    model: { dim: 32, layers: 1, heads: 2, ffnDim: 64, contextLength: 64 },
    trainSize: 2000,
    validSize: 20,
    batchSize: 8,
    maxLr: 1e-2,
    warmupSteps: 5,
    decaySteps: 200,
    logEvery: 10,
    evalEvery: 1_000_000,
    evalProblems: 5,
    threads: 1,
    minutes: 2,
    exportGguf: false,
    seed: 3,
  };
}
