/**
 * Supervised fine-tuning: a llama-architecture model learns a synthetic task's step-by-step solutions,
 * or a data file's (the distill pipeline's `sft.jsonl`: distilled traces, or answer-only rows), from
 * scratch or continuing from a checkpoint (sft-data.ts). Each step of the training loop (train-loop.ts: warm-up + cosine learning
 * rate, clipping, AdamW, logs, atomic kill -9 safe checkpoints and resume) samples a batch, and this
 * stage's forward and backward give its loss and gradients. Every `evalEvery` steps it measures greedy
 * accuracy on held-out problems and stops once that reaches `targetAccuracy` (SFT on these tasks is
 * learned in a steep jump, so a fixed step count either stops too early or wastes time), or when the
 * time is up. The result is exported as a GGUF that llama.cpp runs.
 */
import { basename, extname } from "node:path";
import { DeliberateError } from "../../errors.ts";
import type { SyntheticName } from "../../tasks/index.ts";
import { type LlamaConfig, type PresetName, presets } from "../model/config.ts";
import { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import { makeBatch, sampleBatch, type TaskExample } from "../tasks/task-data.ts";
import { MatmulPool } from "../tensor/matmul-pool.ts";
import { type EvaluateResult, evaluateAccuracy } from "./evaluate.ts";
import { resolveSftSource } from "./sft-data.ts";
import { loadResumeCheckpoint, round4, TrainLoop, type TrainStopReason } from "./train-loop.ts";

export interface SftOptions {
  /**
   * Synthetic task (src/tasks generator name). With `data`, the task only adds its alphabet to the
   * vocabulary (so the model can be evaluated on it). One of `task` and `data` is required.
   */
  task?: SyntheticName;
  /**
   * A JSONL file of the distill pipeline's `SftRow`s (question, answer, optional solution) to train on
   * instead of the task's generator; rows without a solution train on `#### ANSWER`. A row longer than
   * the context is an error.
   */
  data?: string;
  /**
   * A checkpoint to continue from (its shape, vocabulary and weights; `preset` and `model` are then
   * ignored; the optimiser starts afresh). Its vocabulary must cover the data's characters.
   */
  init?: string;
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
  /**
   * Held-out problems: generated (default 200), or questions held out of `data` (default 5% of its
   * distinct questions, between 1 and 100).
   */
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

export type SftStopReason = TrainStopReason;

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
    seed = 1,
    threads = 2,
    resume = true,
    onProgress,
    signal,
  } = options;
  const source = await resolveSftSource({
    task,
    difficulty,
    fromDifficulty,
    trainSize,
    validSize: options.validSize,
    seed,
    data: options.data,
    init: options.init,
    shape: { ...presets[preset], ...options.model },
  });
  const { data, config } = source;
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
    seed,
    ...source.record,
  };

  const checkpoint = await loadResumeCheckpoint(outDir, resume);
  if (checkpoint && checkpoint.header.options.dataFingerprint !== source.record.dataFingerprint) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `${outDir}/checkpoint.bin was trained on other data (the data file changed, or the run used another); use another --out or delete it`,
      { param: "data" },
    );
  }
  const pool = new MatmulPool({ threads });
  try {
    const model = new LlamaModel(config, { seed, pool });
    if (source.initParams) model.params.set(source.initParams);
    const random = new Random(seed * 7919 + 1);
    let bestAccuracy = checkpoint?.header.bestAccuracy ?? 0;
    let lastEval: EvaluateResult | undefined;
    const loop = new TrainLoop<{ loss: number; tokens: number }>({
      model,
      random,
      outDir,
      chars: data.tokenizer.chars,
      options: resolved,
      startRecord: { ...source.startRecord, parameters: model.params.length },
      resume: checkpoint,
      bestAccuracy: () => bestAccuracy,
      budgetMs: minutes * 60_000,
      maxSteps,
      schedule: { maxLr, minLr, warmupSteps, decaySteps },
      gradClip,
      weightDecay,
      logEvery,
      evalEvery,
      checkpointEverySeconds,
      signal,
      step: () => {
        const batch = sampleBatch(data.train, batchSize, config.contextLength, random);
        model.zeroGrad();
        const { loss } = model.forward(batch.tokens, batch.targets, batch.B, batch.T);
        model.backward();
        return { loss, tokens: batch.targetCount };
      },
      evaluate: () => {
        const validLoss = validationLoss(model, data.valid, config.contextLength, batchSize);
        lastEval = evaluateAccuracy(model, data.tokenizer, data.valid, {
          limit: evalProblems,
          correct: source.correct,
        });
        bestAccuracy = Math.max(bestAccuracy, lastEval.greedy);
        return {
          record: {
            validLoss: round4(validLoss),
            greedy: lastEval.greedy,
            problems: lastEval.problems,
            example: lastEval.examples[0],
          },
          stop: lastEval.greedy >= targetAccuracy,
        };
      },
      onProgress:
        onProgress &&
        (({ outcome, tokensPerSecond = 0, ...p }) =>
          onProgress({ ...p, loss: outcome.loss, tokensPerSecond, accuracy: lastEval?.greedy })),
    });
    const run = await loop.run();
    await loop.save();
    const { step } = loop;
    let finalEval: EvaluateResult | undefined;
    if (finalSamples > 0) {
      finalEval = evaluateAccuracy(model, data.tokenizer, data.valid, {
        limit: evalProblems,
        samples: finalSamples,
        temperature: finalTemperature,
        seed,
        correct: source.correct,
      });
      await loop.log({ type: "final-eval", step, ...finalEval, examples: undefined });
    }
    const ggufPath =
      options.exportGguf === false
        ? undefined
        : await loop.exportGguf(data.tokenizer, {
            name: options.data
              ? `deliberate-lab-sft-${basename(options.data, extname(options.data))}`
              : `deliberate-lab-${task}-d${difficulty}`,
            description: `lab SFT on ${options.data ?? `synthetic:${task} difficulty ${difficulty}`}${options.init ? ` from ${options.init}` : ""}, ${step} steps, greedy accuracy ${bestAccuracy}`,
          });
    const elapsedMs = loop.elapsedMs();
    await loop.log({
      type: "stop",
      step,
      reason: run.stopReason,
      bestAccuracy,
      elapsedMs: Math.round(elapsedMs),
    });
    return {
      stopReason: run.stopReason,
      steps: step,
      resumedFrom: run.resumedFrom,
      finalLoss: run.finalLoss,
      lastEval,
      finalEval,
      bestAccuracy,
      tokensPerSecond: run.tokensPerSecond,
      elapsedMs,
      config,
      parameters: model.params.length,
      checkpointPath: loop.checkpointPath,
      logPath: loop.logPath,
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
