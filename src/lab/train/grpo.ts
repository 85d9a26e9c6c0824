/**
 * GRPO after SFT: starts from an SFT checkpoint and reinforces the model's own correct solutions on
 * the same task (rewards from the graders). Each step of the training loop (train-loop.ts: the same
 * logs, checkpoints, resume and GGUF export as SFT) draws prompts from the pass-rate curriculum and
 * writes the clipped surrogate's gradient (grpo-gradients.ts); the loop clips and applies it.
 */
import { DeliberateError } from "../../errors.ts";
import { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import type { TaskExample } from "../tasks/task-data.ts";
import { MatmulPool } from "../tensor/matmul-pool.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { checkpointTask, loadCheckpoint } from "./checkpoint.ts";
import { type EvaluateResult, evaluateAccuracy } from "./evaluate.ts";
import { grpoGradients } from "./grpo-gradients.ts";
import { grpoReward } from "./grpo-reward.ts";
import { PassRateCurriculum } from "./pass-rate-curriculum.ts";
import { loadResumeCheckpoint, type StepOutcome, TrainLoop, type TrainStopReason } from "./train-loop.ts";

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
  /** Learning rate, constant after the warm-up. Default 3e-4. */
  lr?: number;
  /** Steps of linear warm-up to `lr`. Default 10. */
  warmupSteps?: number;
  /** Global gradient-norm clip. Default 1. */
  gradClip?: number;
  /** AdamW decoupled weight decay. Default 0: RL moves a trained model a little, decay would pull it back towards zero. */
  weightDecay?: number;
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
  /** Called after every step, for progress bars. */
  onProgress?: (progress: GrpoProgress) => void;
  signal?: AbortSignal;
}

export interface GrpoProgress {
  step: number;
  /** The loop's last step; it may stop earlier, at the time budget. */
  maxSteps: number;
  /** Mean reward of this step's samples. */
  meanReward: number;
  elapsedMs: number;
  budgetMs: number;
  /** Latest greedy validation accuracy, once there is one. */
  accuracy?: number;
}

export interface GrpoResult {
  /** Never "target": this stage has no target accuracy. */
  stopReason: TrainStopReason;
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

export async function runGrpo(options: GrpoOptions): Promise<GrpoResult> {
  const {
    init,
    outDir,
    minutes = 5,
    maxSteps = 1_000_000,
    promptsPerStep = 4,
    groupSize = 8,
    lr = 3e-4,
    warmupSteps = 10,
    gradClip = 1,
    weightDecay = 0,
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
  const resumed = await loadResumeCheckpoint(outDir, resume);
  const start = resumed ?? (await loadCheckpoint(init));
  const { sft, data } = checkpointTask(start, init);
  const { config } = start.header;
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
  const pool = new MatmulPool({ threads });
  try {
    const model = new LlamaModel(config, { pool });
    model.params.set(start.params);
    const random = new Random(seed * 104_729 + 7);
    const resolved = {
      stage: "grpo",
      init,
      sft,
      fromDifficulty: options.fromDifficulty,
      promptsPerStep,
      groupSize,
      lr,
      warmupSteps,
      gradClip,
      weightDecay,
      temperature,
      epsilon,
      seed,
    };
    const validate = () => evaluateAccuracy(model, data.tokenizer, data.valid, { limit: evalProblems });
    const initialEval = validate();
    let lastEval: EvaluateResult | undefined;
    const rewards: number[] = [];
    const loop = new TrainLoop<StepOutcome & { meanReward: number }>({
      model,
      random,
      outDir,
      chars: data.tokenizer.chars,
      options: resolved,
      startRecord: { greedy: initialEval.greedy },
      resume: resumed,
      bestAccuracy: () => Math.max(initialEval.greedy, lastEval?.greedy ?? 0),
      budgetMs: minutes * 60_000,
      maxSteps,
      // Constant after the warm-up: the cosine's floor is its peak.
      schedule: { maxLr: lr, minLr: lr, warmupSteps, decaySteps: warmupSteps },
      gradClip,
      weightDecay,
      // Every step: rewards and the curriculum's pass rates are per step, not averaged over a window.
      logEvery: 1,
      evalEvery,
      checkpointEverySeconds,
      signal,
      step: () => {
        const levels = Array.from({ length: promptsPerStep }, () => curriculum.pick(random));
        const prompts = levels.map((level) => {
          const examples = byLevel.get(level)!;
          const example = examples[random.int(examples.length)];
          return {
            prompt: example.prompt,
            reward: (completion: number[]) => grpoReward(example.item, data.tokenizer.decode(completion)),
          };
        });
        const result = grpoGradients(model, prompts, {
          groupSize,
          temperature,
          epsilon,
          maxTokens: config.contextLength,
          stopId: CharTokenizer.eosId,
          random,
        });
        for (const [i, rate] of result.groupPassRates.entries()) curriculum.update(levels[i], rate);
        rewards.push(result.meanReward);
        const { groupPassRates: _rates, hasGradient, ...logged } = result;
        return {
          update: hasGradient,
          meanReward: result.meanReward,
          record: { ...logged, updated: hasGradient, levels, passRates: curriculum.passRates() },
        };
      },
      evaluate: () => {
        lastEval = validate();
        return { record: { greedy: lastEval.greedy, problems: lastEval.problems } };
      },
      onProgress:
        onProgress &&
        (({ outcome, ...p }) =>
          onProgress({ ...p, meanReward: outcome.meanReward, accuracy: lastEval?.greedy })),
    });
    const run = await loop.run();
    await loop.save();
    const { step } = loop;
    const ggufPath =
      options.exportGguf === false
        ? undefined
        : await loop.exportGguf(data.tokenizer, {
            name: `deliberate-lab-${sft.task}-d${sft.difficulty}-grpo`,
            description: `lab SFT + GRPO on synthetic:${sft.task} difficulty ${sft.difficulty}, ${step} GRPO steps`,
          });
    const recent = rewards.slice(-10);
    await loop.log({ type: "stop", step, reason: run.stopReason });
    return {
      stopReason: run.stopReason,
      steps: step,
      resumedFrom: run.resumedFrom,
      initialAccuracy: initialEval.greedy,
      lastEval,
      recentReward: recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length),
      elapsedMs: loop.elapsedMs(),
      checkpointPath: loop.checkpointPath,
      logPath: loop.logPath,
      ggufPath,
    };
  } finally {
    await pool.close();
  }
}
