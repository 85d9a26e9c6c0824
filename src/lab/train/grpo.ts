/**
 * GRPO after SFT: starts from an SFT checkpoint and reinforces the model's own correct solutions on
 * the same task (rewards from the graders), with the same logging, checkpoints and GGUF export as SFT.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { DeliberateError } from "../../errors.ts";
import { exportGguf } from "../export/export-gguf.ts";
import { tensorLayout } from "../model/config.ts";
import { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import type { TaskExample } from "../tasks/task-data.ts";
import { MatmulPool } from "../tensor/matmul-pool.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { AdamW } from "./adamw.ts";
import { checkpointTask, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { type EvaluateResult, evaluateAccuracy } from "./evaluate.ts";
import { grpoReward } from "./grpo-reward.ts";
import { grpoStep } from "./grpo-step.ts";
import { PassRateCurriculum } from "./pass-rate-curriculum.ts";

export interface GrpoOptions {
  /** The SFT checkpoint to start from (its task, difficulty and data seed are reused). */
  init: string;
  /** Folder for this stage's checkpoint.bin, log.jsonl and model.gguf. */
  outDir: string;
  /** Time budget in minutes, summed over resumed runs. Default 5. */
  minutes?: number;
  /** Hard cap on steps. Default 1 000 000. */
  maxSteps?: number;
  /** Problems per step. Default 4. */
  promptsPerStep?: number;
  /** Draw prompts only from levels at or above this one (default: every level the SFT run trained on). */
  fromDifficulty?: number;
  /** Completions per problem (G). Default 8. */
  groupSize?: number;
  /** Learning rate (constant after a 10-step warm-up). Default 3e-4. */
  lr?: number;
  /** Sampling temperature. Default 1. */
  temperature?: number;
  /** Clip range ε. Default 0.2. */
  epsilon?: number;
  /** Steps between greedy validations. Default 25. */
  evalEvery?: number;
  /** Held-out problems per validation. Default 100. */
  evalProblems?: number;
  /** Seconds between checkpoints. Default 30. */
  checkpointEverySeconds?: number;
  /** Matmul threads. Default 2. */
  threads?: number;
  /** Seed for problem order and sampling. Default 1. */
  seed?: number;
  /** Continue from outDir/checkpoint.bin when it exists. Default true. */
  resume?: boolean;
  /** Export outDir/model.gguf at the end. Default true. */
  exportGguf?: boolean;
  onProgress?: (progress: {
    step: number;
    /** The loop's last step; it may stop earlier, at the time budget. */
    maxSteps: number;
    meanReward: number;
    elapsedMs: number;
    budgetMs: number;
    accuracy?: number;
  }) => void;
  signal?: AbortSignal;
}

export interface GrpoResult {
  stopReason: "time" | "steps" | "aborted";
  steps: number;
  resumedFrom: number;
  /** Greedy validation accuracy of the SFT model, before any GRPO step of this stage. */
  initialAccuracy: number;
  lastEval?: EvaluateResult;
  /** Mean reward over the last 10 steps. */
  recentReward: number;
  elapsedMs: number;
  checkpointPath: string;
  logPath: string;
  ggufPath?: string;
}

const WARMUP_STEPS = 10;

export async function runGrpo(options: GrpoOptions): Promise<GrpoResult> {
  const {
    init,
    outDir,
    minutes = 5,
    maxSteps = 1_000_000,
    promptsPerStep = 4,
    groupSize = 8,
    lr = 3e-4,
    temperature = 1,
    epsilon = 0.2,
    evalEvery = 25,
    evalProblems = 100,
    checkpointEverySeconds = 30,
    threads = 2,
    seed = 1,
    resume = true,
    onProgress,
    signal,
  } = options;
  const checkpointPath = join(outDir, "checkpoint.bin");
  const logPath = join(outDir, "log.jsonl");
  const resuming = resume && existsSync(checkpointPath);
  const start = await loadCheckpoint(resuming ? checkpointPath : init);
  const { sft, data } = checkpointTask(start, init);
  const { config } = start.header;
  await mkdir(outDir, { recursive: true });
  const pool = new MatmulPool({ threads });
  try {
    const model = new LlamaModel(config, { pool });
    model.params.set(start.params);
    const decayMask = new Uint8Array(model.params.length);
    for (const spec of tensorLayout(config))
      if (spec.shape.length === 2) decayMask.fill(1, spec.offset, spec.offset + spec.size);
    // No weight decay: RL moves a trained model a little, decay would pull it back towards zero.
    const optimizer = new AdamW(model.params.length, decayMask, { weightDecay: 0 });
    const random = new Random(seed * 104_729 + 7);
    let step = 0;
    let priorMs = 0;
    if (resuming) {
      optimizer.m.set(start.m);
      optimizer.v.set(start.v);
      step = optimizer.step = start.header.step;
      random.seedState = start.header.randomState;
      priorMs = start.header.elapsedMs;
    }
    const resolved = {
      stage: "grpo",
      init,
      sft,
      fromDifficulty: options.fromDifficulty,
      promptsPerStep,
      groupSize,
      lr,
      temperature,
      epsilon,
      seed,
    };
    const log = (record: Record<string, unknown>) => appendFile(logPath, `${JSON.stringify(record)}\n`);
    const validate = () => evaluateAccuracy(model, data.tokenizer, data.valid, { limit: evalProblems });
    const initialEval = validate();
    await log({ type: resuming ? "resume" : "start", step, options: resolved, greedy: initialEval.greedy });
    // Prompts come from the level where groups most often disagree (restarts at 1/2 on resume).
    const byLevel = new Map<number, TaskExample[]>();
    for (const example of data.train) {
      const level = example.item.difficulty;
      if (options.fromDifficulty !== undefined && level < options.fromDifficulty) continue;
      if (!byLevel.has(level)) byLevel.set(level, []);
      byLevel.get(level)!.push(example);
    }
    if (byLevel.size === 0) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `no training problem at level ${options.fromDifficulty} or above (the SFT run trained up to ${sft.difficulty})`,
        { param: "fromDifficulty" },
      );
    }
    const curriculum = new PassRateCurriculum(
      [...byLevel.keys()].sort((a, b) => a - b),
      groupSize,
    );
    const budgetMs = minutes * 60_000;
    const started = performance.now();
    const elapsed = () => priorMs + (performance.now() - started);
    let lastCheckpoint = performance.now();
    let lastEval: EvaluateResult | undefined;
    const rewards: number[] = [];
    let stopReason: GrpoResult["stopReason"] = "steps";
    const save = () =>
      saveCheckpoint(checkpointPath, {
        header: {
          config,
          chars: data.tokenizer.chars,
          step,
          randomState: random.seedState,
          elapsedMs: elapsed(),
          bestAccuracy: Math.max(initialEval.greedy, lastEval?.greedy ?? 0),
          options: resolved,
        },
        params: model.params,
        m: optimizer.m,
        v: optimizer.v,
      });
    while (step < maxSteps) {
      if (signal?.aborted) {
        stopReason = "aborted";
        break;
      }
      if (elapsed() >= budgetMs) {
        stopReason = "time";
        break;
      }
      const levels = Array.from({ length: promptsPerStep }, () => curriculum.pick(random));
      const prompts = levels.map((level) => {
        const pool = byLevel.get(level)!;
        const example = pool[random.int(pool.length)];
        return {
          prompt: example.prompt,
          reward: (completion: number[]) => grpoReward(example.item, data.tokenizer.decode(completion)),
        };
      });
      const result = grpoStep(model, optimizer, prompts, {
        groupSize,
        temperature,
        epsilon,
        lr: lr * Math.min(1, (step + 1) / WARMUP_STEPS),
        maxTokens: config.contextLength,
        stopId: CharTokenizer.eosId,
        random,
      });
      step++;
      for (const [i, rate] of result.groupPassRates.entries()) curriculum.update(levels[i], rate);
      rewards.push(result.meanReward);
      const { groupPassRates: _rates, ...logged } = result;
      await log({
        type: "train",
        step,
        ...logged,
        levels,
        passRates: curriculum.passRates(),
        elapsedMs: Math.round(elapsed()),
      });
      if (step % evalEvery === 0) {
        lastEval = validate();
        await log({
          type: "eval",
          step,
          greedy: lastEval.greedy,
          problems: lastEval.problems,
          elapsedMs: Math.round(elapsed()),
        });
      }
      onProgress?.({
        step,
        maxSteps,
        meanReward: result.meanReward,
        elapsedMs: elapsed(),
        budgetMs,
        accuracy: lastEval?.greedy,
      });
      if ((performance.now() - lastCheckpoint) / 1000 >= checkpointEverySeconds) {
        await save();
        lastCheckpoint = performance.now();
      }
      await yieldToEventLoop();
    }
    await save();
    let ggufPath: string | undefined;
    if (options.exportGguf ?? true) {
      ggufPath = join(outDir, "model.gguf");
      await exportGguf(ggufPath, model, data.tokenizer, {
        name: `deliberate-lab-${sft.task}-d${sft.difficulty}-grpo`,
        description: `lab SFT + GRPO on synthetic:${sft.task} difficulty ${sft.difficulty}, ${step} GRPO steps`,
      });
    }
    const recent = rewards.slice(-10);
    await log({ type: "stop", step, reason: stopReason });
    return {
      stopReason,
      steps: step,
      resumedFrom: resuming ? start.header.step : 0,
      initialAccuracy: initialEval.greedy,
      lastEval,
      recentReward: recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length),
      elapsedMs: elapsed(),
      checkpointPath,
      logPath,
      ggufPath,
    };
  } finally {
    await pool.close();
  }
}
