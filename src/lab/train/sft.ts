/**
 * Supervised fine-tuning from scratch: a llama-architecture model learns a synthetic task's
 * step-by-step solutions. nanoGPT's loop: sample a batch → forward → backward → clip → AdamW with
 * warm-up + cosine learning rate; log every few steps; evaluate greedy accuracy on held-out problems
 * every `evalEvery` steps and stop once it reaches `targetAccuracy` (SFT on these tasks is learned in a
 * steep jump, so a fixed step count either stops too early or wastes time), or when the time is up.
 * Checkpoints (atomic, kill -9 safe) let an interrupted run resume where it left off; the result is
 * exported as a GGUF that llama.cpp runs.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { DeliberateError } from "../../errors.ts";
import type { SyntheticName } from "../../tasks/index.ts";
import { exportGguf } from "../export/export-gguf.ts";
import { type LlamaConfig, type PresetName, presets, tensorLayout } from "../model/config.ts";
import { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import { buildTaskData, makeBatch, sampleBatch, type TaskExample } from "../tasks/task-data.ts";
import { MatmulPool } from "../tensor/matmul-pool.ts";
import { AdamW, clipGradNorm } from "./adamw.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { type EvaluateResult, evaluateAccuracy } from "./evaluate.ts";
import { learningRate } from "./lr-schedule.ts";

export interface SftOptions {
  /** Synthetic task (src/tasks generator name). */
  task: SyntheticName;
  /** Task difficulty, >= 1: validation is at this level. Default 1. */
  difficulty?: number;
  /** Train on every level from this one up to `difficulty` (see `buildTaskData`). Default `difficulty`. */
  fromDifficulty?: number;
  /** Model size. Default `tiny`. */
  preset?: PresetName;
  /** Overrides of the preset's shape (e.g. a longer context for long tasks). */
  model?: Partial<Omit<LlamaConfig, "vocabSize">>;
  /** Folder for checkpoint.bin, log.jsonl and model.gguf; created if missing. */
  outDir: string;
  /** Training time budget in minutes, summed over resumed runs. Default 5. */
  minutes?: number;
  /** Hard cap on optimiser steps. Default 1 000 000 (the time budget or target usually stops first). */
  maxSteps?: number;
  /** Sequences per batch. Default 16. */
  batchSize?: number;
  /** Peak learning rate. Default 3e-3 (small models tolerate high rates). */
  maxLr?: number;
  /** Final learning rate. Default maxLr / 10. */
  minLr?: number;
  /** Linear warm-up steps. Default 50. */
  warmupSteps?: number;
  /** Step where the cosine reaches minLr. Default 3000. */
  decaySteps?: number;
  /** AdamW decoupled weight decay. Default 0.1. */
  weightDecay?: number;
  /** Global gradient-norm clip. Default 1. */
  gradClip?: number;
  /** Steps between training-log lines. Default 10. */
  logEvery?: number;
  /** Steps between validation runs. Default 100. */
  evalEvery?: number;
  /** Held-out problems decoded greedily per validation run. Default 100. */
  evalProblems?: number;
  /** Stop once greedy validation accuracy reaches this, in [0, 1]. Default 0.95; > 1 disables. */
  targetAccuracy?: number;
  /** Samples per problem for a final maj@k evaluation after training; 0 skips it. Default 0. */
  finalSamples?: number;
  /** Sampling temperature of the final maj@k evaluation. Default 1. */
  finalTemperature?: number;
  /** Seconds between checkpoints. Default 30. */
  checkpointEverySeconds?: number;
  /** Training problems generated. Default 20 000. */
  trainSize?: number;
  /** Held-out problems generated. Default 200. */
  validSize?: number;
  /** Seed for data, initial weights and batch order. Default 1. */
  seed?: number;
  /** Matmul threads (main thread included). Default 2. */
  threads?: number;
  /** Continue from outDir/checkpoint.bin when it exists. Default true. */
  resume?: boolean;
  /** Export outDir/model.gguf at the end. Default true. */
  exportGguf?: boolean;
  /** Called after every step and validation, for progress bars. */
  onProgress?: (progress: SftProgress) => void;
  signal?: AbortSignal;
}

export interface SftProgress {
  step: number;
  /** The loop's last step (`maxSteps`); it may stop earlier, at the time budget or the target. */
  maxSteps: number;
  /** Training loss of this step (nats per target token). */
  loss: number;
  lr: number;
  /** Target tokens trained on per second, averaged since the start of this run. */
  tokensPerSecond: number;
  elapsedMs: number;
  budgetMs: number;
  /** Latest validation accuracy (greedy), once there is one. */
  accuracy?: number;
}

export type SftStopReason = "target" | "time" | "steps" | "aborted";

export interface SftResult {
  stopReason: SftStopReason;
  steps: number;
  /** Step this run started from (0 unless resumed). */
  resumedFrom: number;
  /** Mean training loss over the last logged window. */
  finalLoss: number;
  /** Last validation (greedy accuracy on `evalProblems` held-out problems). */
  lastEval?: EvaluateResult;
  /** Greedy and maj@k over `finalSamples` samples on `evalProblems` held-out problems, when asked for. */
  finalEval?: EvaluateResult;
  bestAccuracy: number;
  tokensPerSecond: number;
  elapsedMs: number;
  config: LlamaConfig;
  parameters: number;
  checkpointPath: string;
  logPath: string;
  ggufPath?: string;
}

export async function runSft(options: SftOptions): Promise<SftResult> {
  const {
    task,
    difficulty = 1,
    fromDifficulty = difficulty,
    preset = "tiny",
    outDir,
    minutes = 5,
    maxSteps = 1_000_000,
    batchSize = 16,
    maxLr = 3e-3,
    minLr = maxLr / 10,
    warmupSteps = 50,
    decaySteps = 3000,
    weightDecay = 0.1,
    gradClip = 1,
    logEvery = 10,
    evalEvery = 100,
    evalProblems = 100,
    targetAccuracy = 0.95,
    checkpointEverySeconds = 30,
    finalSamples = 0,
    finalTemperature = 1,
    trainSize = 20_000,
    validSize = 200,
    seed = 1,
    threads = 2,
    resume = true,
    onProgress,
    signal,
  } = options;
  const shape = { ...presets[preset], ...options.model };
  const data = buildTaskData({
    task,
    difficulty,
    fromDifficulty,
    trainSize,
    validSize,
    seed,
    contextLength: shape.contextLength,
  });
  if (data.train.length === 0) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `no \`${task}\` problem at difficulty ${difficulty} fits a context of ${shape.contextLength} tokens`,
      { param: "contextLength" },
    );
  }
  const config: LlamaConfig = { ...shape, vocabSize: data.tokenizer.vocabSize };
  const resolved = {
    task,
    difficulty,
    fromDifficulty,
    preset,
    config,
    minutes,
    batchSize,
    maxLr,
    minLr,
    warmupSteps,
    decaySteps,
    weightDecay,
    gradClip,
    evalEvery,
    evalProblems,
    targetAccuracy,
    trainSize,
    validSize,
    seed,
  };

  await mkdir(outDir, { recursive: true });
  const checkpointPath = join(outDir, "checkpoint.bin");
  const logPath = join(outDir, "log.jsonl");
  const pool = new MatmulPool({ threads });
  try {
    const model = new LlamaModel(config, { seed, pool });
    const decayMask = new Uint8Array(model.params.length);
    for (const spec of tensorLayout(config))
      if (spec.shape.length === 2) decayMask.fill(1, spec.offset, spec.offset + spec.size);
    const optimizer = new AdamW(model.params.length, decayMask, { weightDecay });
    const random = new Random(seed * 7919 + 1);
    let step = 0;
    let priorMs = 0;
    let bestAccuracy = 0;
    if (resume && existsSync(checkpointPath)) {
      const checkpoint = await loadCheckpoint(checkpointPath);
      const { header } = checkpoint;
      if (
        JSON.stringify(header.config) !== JSON.stringify(config) ||
        header.chars.join("") !== data.tokenizer.chars.join("")
      ) {
        throw new DeliberateError(
          "BAD_REQUEST",
          `${checkpointPath} was trained with another model or task; use another --out or delete it`,
        );
      }
      model.params.set(checkpoint.params);
      optimizer.m.set(checkpoint.m);
      optimizer.v.set(checkpoint.v);
      optimizer.step = header.step;
      step = header.step;
      random.seedState = header.randomState;
      priorMs = header.elapsedMs;
      bestAccuracy = header.bestAccuracy;
    }
    const resumedFrom = step;
    const budgetMs = minutes * 60_000;
    const started = performance.now();
    const elapsed = () => priorMs + (performance.now() - started);
    let lastCheckpoint = performance.now();
    let tokens = 0;
    let window: number[] = [];
    let finalLoss = Number.NaN;
    let lastEval: EvaluateResult | undefined;
    let stopReason: SftStopReason = "steps";

    const save = () =>
      saveCheckpoint(checkpointPath, {
        header: {
          config,
          chars: data.tokenizer.chars,
          step,
          randomState: random.seedState,
          elapsedMs: elapsed(),
          bestAccuracy,
          options: resolved,
        },
        params: model.params,
        m: optimizer.m,
        v: optimizer.v,
      });
    const log = (record: Record<string, unknown>) => appendFile(logPath, `${JSON.stringify(record)}\n`);
    if (resumedFrom === 0)
      await log({
        type: "start",
        time: new Date().toISOString(),
        options: resolved,
        trainProblems: data.train.length,
        validProblems: data.valid.length,
        dropped: data.dropped,
        parameters: model.params.length,
      });
    else await log({ type: "resume", time: new Date().toISOString(), step });

    while (step < maxSteps) {
      if (signal?.aborted) {
        stopReason = "aborted";
        break;
      }
      if (elapsed() >= budgetMs) {
        stopReason = "time";
        break;
      }
      const lr = learningRate(step, { maxLr, minLr, warmupSteps, decaySteps });
      const batch = sampleBatch(data.train, batchSize, config.contextLength, random);
      model.zeroGrad();
      const { loss } = model.forward(batch.tokens, batch.targets, batch.B, batch.T);
      model.backward();
      const gradNorm = clipGradNorm(model.grads, gradClip);
      optimizer.update(model.params, model.grads, lr);
      step++;
      tokens += batch.targetCount;
      window.push(loss);
      const tokensPerSecond = tokens / ((performance.now() - started) / 1000);
      if (step % logEvery === 0) {
        finalLoss = mean(window);
        window = [];
        await log({
          type: "train",
          step,
          loss: round(finalLoss),
          lr,
          gradNorm: round(gradNorm),
          tokensPerSecond: Math.round(tokensPerSecond),
          elapsedMs: Math.round(elapsed()),
        });
      }
      if (step % evalEvery === 0) {
        const validLoss = validationLoss(model, data.valid, config.contextLength, batchSize);
        lastEval = evaluateAccuracy(model, data.tokenizer, data.valid, { limit: evalProblems });
        bestAccuracy = Math.max(bestAccuracy, lastEval.greedy);
        await log({
          type: "eval",
          step,
          validLoss: round(validLoss),
          greedy: lastEval.greedy,
          problems: lastEval.problems,
          example: lastEval.examples[0],
          elapsedMs: Math.round(elapsed()),
        });
      }
      onProgress?.({
        step,
        maxSteps,
        loss,
        lr,
        tokensPerSecond,
        elapsedMs: elapsed(),
        budgetMs,
        accuracy: lastEval?.greedy,
      });
      if (lastEval && step % evalEvery === 0 && lastEval.greedy >= targetAccuracy) {
        stopReason = "target";
        break;
      }
      if ((performance.now() - lastCheckpoint) / 1000 >= checkpointEverySeconds) {
        await save();
        lastCheckpoint = performance.now();
      }
      // Let timers, signals and progress output run between steps.
      await yieldToEventLoop();
    }
    if (window.length > 0) finalLoss = mean(window);
    await save();
    let finalEval: EvaluateResult | undefined;
    if (finalSamples > 0) {
      finalEval = evaluateAccuracy(model, data.tokenizer, data.valid, {
        limit: evalProblems,
        samples: finalSamples,
        temperature: finalTemperature,
        seed,
      });
      await log({ type: "final-eval", step, ...finalEval, examples: undefined });
    }
    let ggufPath: string | undefined;
    if (options.exportGguf ?? true) {
      ggufPath = join(outDir, "model.gguf");
      await exportGguf(ggufPath, model, data.tokenizer, {
        name: `deliberate-lab-${task}-d${difficulty}`,
        description: `lab SFT on synthetic:${task} difficulty ${difficulty}, ${step} steps, greedy accuracy ${bestAccuracy}`,
      });
    }
    const elapsedMs = elapsed();
    await log({ type: "stop", step, reason: stopReason, bestAccuracy, elapsedMs: Math.round(elapsedMs) });
    return {
      stopReason,
      steps: step,
      resumedFrom,
      finalLoss,
      lastEval,
      finalEval,
      bestAccuracy,
      tokensPerSecond: tokens / ((performance.now() - started) / 1000),
      elapsedMs,
      config,
      parameters: model.params.length,
      checkpointPath,
      logPath,
      ggufPath,
    };
  } finally {
    await pool.close();
  }
}

/** Mean loss on the first `count` validation problems with their first solution (fixed, so runs compare). */
function validationLoss(
  model: LlamaModel,
  valid: TaskExample[],
  contextLength: number,
  batchSize: number,
  count = 64,
): number {
  let total = 0;
  let targets = 0;
  const rows = valid
    .slice(0, count)
    .map((example) => ({ prompt: example.prompt, solution: example.solutions[0] }));
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = makeBatch(rows.slice(i, i + batchSize), contextLength);
    const { loss, count: n } = model.forward(batch.tokens, batch.targets, batch.B, batch.T);
    total += loss * n;
    targets += n;
  }
  return targets > 0 ? total / targets : Number.NaN;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
