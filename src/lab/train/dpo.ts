/**
 * DPO after SFT (Rafailov et al. 2023): starts from an SFT checkpoint and learns from preference pairs
 * (the distill pipeline's `dpo.jsonl`: a rollout the grader accepted and one it refused, per problem)
 * with the init weights as the frozen reference. Each step of the training loop (train-loop.ts: the
 * same logs, checkpoints, resume and GGUF export as the other stages) draws a batch of pairs, takes
 * their reference log-probs from the cache (dpo-reference.ts) and writes the DPO loss's gradient
 * (dpo-gradients.ts); the loop clips and applies it. With `nllWeight` α > 0 the loss adds α times the
 * chosen responses' per-token NLL (Pang et al. 2024, "RPO"), which keeps pure DPO from pushing the
 * correct rollouts' likelihood down along with the wrong ones'.
 *
 * Evaluation: greedy accuracy on the held-out questions' gold answers (or a task's validation
 * problems), and the DPO loss, reward margin and preference accuracy on the held-out pairs.
 */
import { basename, extname, resolve } from "node:path";
import { DeliberateError } from "../../errors.ts";
import type { SyntheticName } from "../../tasks/index.ts";
import { fnv1a } from "../../util/fnv1a.ts";
import type { LlamaConfig } from "../model/config.ts";
import { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import { buildDpoFileData, type DpoPair } from "../tasks/dpo-file-data.ts";
import { buildTaskData, type TaskExample } from "../tasks/task-data.ts";
import { MatmulPool } from "../tensor/matmul-pool.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { loadCheckpoint } from "./checkpoint.ts";
import { type DpoBatchResult, dpoBatch } from "./dpo-gradients.ts";
import { DpoReference } from "./dpo-reference.ts";
import { evaluateAccuracy } from "./evaluate.ts";
import { reward } from "./grpo-reward.ts";
import {
  loadResumeCheckpoint,
  round4,
  type StepOutcome,
  TrainLoop,
  type TrainStopReason,
} from "./train-loop.ts";

export interface DpoOptions {
  /** The SFT checkpoint to start from; its weights are also the frozen reference. */
  init: string;
  /** A JSONL file of the distill pipeline's `DpoRow`s (question, answer, chosen, rejected). */
  data: string;
  /** Folder for this stage's checkpoint.bin, log.jsonl and model.gguf. */
  outDir: string;
  /** β: how strongly the policy is held to the reference (the implicit reward's scale), > 0. Default 0.1. */
  beta?: number;
  /**
   * α ≥ 0: weight of the chosen responses' mean per-token negative log-likelihood added to the DPO
   * loss (RPO, Pang et al. 2024, who use 1). Default 0: pure DPO.
   */
  nllWeight?: number;
  /** Time budget in minutes, summed over resumed runs. Default 5. */
  minutes?: number;
  /** Hard cap on steps. Default 1 000 000. */
  maxSteps?: number;
  /** Preference pairs per step (each a chosen and a rejected sequence). Default 8. */
  batchSize?: number;
  /** Learning rate, constant after the warm-up. Default 1e-4: like GRPO, DPO moves a trained model a little. */
  lr?: number;
  /** Steps of linear warm-up to `lr`. Default 10. */
  warmupSteps?: number;
  /** Global gradient-norm clip. Default 1. */
  gradClip?: number;
  /** AdamW decoupled weight decay. Default 0 (it would pull the weights away from the reference's). */
  weightDecay?: number;
  /** Steps between training-log lines (each the mean of its window). Default 10. */
  logEvery?: number;
  /** Steps between validations. Default 50. */
  evalEvery?: number;
  /** Problems decoded greedily per validation. Default 100. */
  evalProblems?: number;
  /** Held-out questions of `data`. Default 5% of its distinct questions, between 1 and 100. */
  validSize?: number;
  /**
   * Measure greedy accuracy on this task's validation problems instead of the held-out questions
   * (the SFT run's own held-out problems when it trained on this task).
   */
  task?: SyntheticName;
  /** The task's difficulty. Default 1. */
  difficulty?: number;
  /** Seconds between checkpoints. Default 30. */
  checkpointEverySeconds?: number;
  /** Matmul threads. Default 2. */
  threads?: number;
  /** Seed for the held-out split and the pair order. Default 1. */
  seed?: number;
  /** Continue from outDir/checkpoint.bin when it exists. Default true. */
  resume?: boolean;
  /** Export outDir/model.gguf at the end. Default true. */
  exportGguf?: boolean;
  /** Called after every step, for progress bars. */
  onProgress?: (progress: DpoProgress) => void;
  signal?: AbortSignal;
}

export interface DpoProgress {
  step: number;
  /** The loop's last step; it may stop earlier, at the time budget. */
  maxSteps: number;
  /** This step's mean loss (DPO's plus α·chosenNll, nats). */
  loss: number;
  /** This step's mean reward margin β·h. */
  margin: number;
  elapsedMs: number;
  budgetMs: number;
  /** Latest greedy validation accuracy. */
  accuracy?: number;
}

/** A validation: greedy accuracy, and the DPO numbers on the held-out pairs. */
export interface DpoEval {
  greedy: number;
  problems: number;
  /** Mean loss on the held-out pairs (ln 2 ≈ 0.693 before training, plus α·validChosenNll). */
  validLoss: number;
  validMargin: number;
  /** Share of held-out pairs with a positive margin. */
  validPreference: number;
  validChosenShift: number;
  validRejectedShift: number;
  /** The held-out chosen responses' mean NLL per token (nats), whatever α. */
  validChosenNll: number;
  pairs: number;
}

export interface DpoResult {
  /** Never "target": this stage has no target accuracy. */
  stopReason: TrainStopReason;
  steps: number;
  resumedFrom: number;
  /** The validation before this run's first step (at the start: the SFT model, margin 0). */
  initialEval: DpoEval;
  /** The validation after the last step (absent when this run took no step). */
  lastEval?: DpoEval;
  /** Mean training loss of the last logged window. */
  finalLoss: number;
  trainPairs: number;
  /** Pairs whose reference log-probs this run computed. */
  referencePairs: number;
  config: LlamaConfig;
  elapsedMs: number;
  checkpointPath: string;
  logPath: string;
  ggufPath?: string;
}

export async function runDpo(options: DpoOptions): Promise<DpoResult> {
  const {
    data: dataPath,
    outDir,
    beta = 0.1,
    nllWeight = 0,
    minutes = 5,
    maxSteps = 1_000_000,
    batchSize = 8,
    lr = 1e-4,
    warmupSteps = 10,
    gradClip = 1,
    weightDecay = 0,
    logEvery = 10,
    evalEvery = 50,
    evalProblems = 100,
    difficulty = 1,
    checkpointEverySeconds = 30,
    threads = 2,
    seed = 1,
    resume = true,
    onProgress,
    signal,
  } = options;
  if (!(beta > 0) || !Number.isFinite(beta)) {
    throw new DeliberateError("BAD_REQUEST", `\`beta\` must be a positive number (got ${beta})`, {
      param: "beta",
    });
  }
  if (!(nllWeight >= 0) || !Number.isFinite(nllWeight)) {
    throw new DeliberateError("BAD_REQUEST", `\`nllWeight\` must be a number ≥ 0 (got ${nllWeight})`, {
      param: "nllWeight",
    });
  }
  const init = resolve(options.init);
  const resumed = await loadResumeCheckpoint(outDir, resume);
  // The reference is always the init checkpoint a run started from, re-read on resume.
  const start = await loadCheckpoint(init);
  const initFingerprint = paramsFingerprint(start.params);
  const { config } = start.header;
  const tokenizer = new CharTokenizer(start.header.chars);
  const data = await buildDpoFileData({
    path: dataPath,
    tokenizer,
    contextLength: config.contextLength,
    validSize: options.validSize,
    seed,
  });
  if (resumed)
    requireSameRun(
      resumed.header.options,
      { init, initFingerprint, dataFingerprint: data.fingerprint, beta, nllWeight },
      outDir,
    );
  // The SFT run's options (nested by stages after it), kept for GRPO or the verifier after DPO.
  const sft = (start.header.options.sft ?? start.header.options) as Record<string, unknown>;
  // On the SFT run's own task its seed gives exactly its held-out problems, none of them trained on.
  const validationSeed = sft.task === options.task && typeof sft.seed === "number" ? sft.seed : seed;
  const validation = validationProblems(
    options.task,
    difficulty,
    validationSeed,
    tokenizer,
    config,
    data.validProblems,
  );
  const pool = new MatmulPool({ threads });
  try {
    const model = new LlamaModel(config, { pool });
    model.params.set(start.params);
    const reference = new DpoReference(new LlamaModel(config, { pool }));
    reference.model.params.set(start.params);
    const random = new Random(seed * 7_368_787 + 13);
    const resolved = {
      stage: "dpo",
      init,
      initFingerprint,
      data: dataPath,
      dataFingerprint: data.fingerprint,
      sft,
      task: options.task,
      difficulty: options.task === undefined ? undefined : difficulty,
      beta,
      nllWeight,
      batchSize,
      lr,
      warmupSteps,
      gradClip,
      weightDecay,
      validSize: data.validProblems.length,
      seed,
    };
    const heldOut = (): Omit<DpoEval, "greedy" | "problems"> => {
      const r = meanOver(data.valid, batchSize, (pairs) =>
        dpoBatch(
          model,
          pairs,
          pairs.map((p) => reference.of(p)),
          { beta, nllWeight, gradient: false },
        ),
      );
      return {
        validLoss: round4(r.loss),
        validMargin: round4(r.margin),
        validPreference: round4(r.preference),
        validChosenShift: round4(r.chosenShift),
        validRejectedShift: round4(r.rejectedShift),
        validChosenNll: round4(r.chosenNll),
        pairs: data.valid.length,
      };
    };
    const validate = (): DpoEval => {
      const greedy = evaluateAccuracy(model, tokenizer, validation.problems, {
        limit: evalProblems,
        correct: validation.correct,
      });
      return { greedy: greedy.greedy, problems: greedy.problems, ...heldOut() };
    };
    const initialEval = validate();
    let lastEval: DpoEval | undefined;
    let lastEvalStep = 0;
    const window = new WindowMeans(logEvery);
    const loop = new TrainLoop<StepOutcome & { loss: number; margin: number }>({
      model,
      random,
      outDir,
      chars: tokenizer.chars,
      options: resolved,
      startRecord: { trainPairs: data.train.length, validPairs: data.valid.length, ...initialEval },
      resume: resumed,
      bestAccuracy: () => Math.max(initialEval.greedy, lastEval?.greedy ?? 0),
      budgetMs: minutes * 60_000,
      maxSteps,
      // Constant after the warm-up: the cosine's floor is its peak.
      schedule: { maxLr: lr, minLr: lr, warmupSteps, decaySteps: warmupSteps },
      gradClip,
      weightDecay,
      logEvery,
      evalEvery,
      checkpointEverySeconds,
      signal,
      step: ({ step }) => {
        const pairs = Array.from({ length: batchSize }, () => data.train[random.int(data.train.length)]);
        const references = pairs.map((p) => reference.of(p));
        model.zeroGrad();
        const r = dpoBatch(model, pairs, references, { beta, nllWeight, gradient: true });
        const means = window.add(step, {
          margin: r.margin,
          preference: r.preference,
          chosenShift: r.chosenShift,
          rejectedShift: r.rejectedShift,
          chosenNll: r.chosenNll,
        });
        return { loss: r.loss, margin: r.margin, tokens: r.tokens, record: means };
      },
      evaluate: (at) => {
        lastEval = validate();
        lastEvalStep = at;
        const { greedy, problems, ...rest } = lastEval;
        return { record: { greedy, problems, ...rest } };
      },
      onProgress:
        onProgress &&
        (({ outcome, ...p }) =>
          onProgress({ ...p, loss: outcome.loss, margin: outcome.margin, accuracy: lastEval?.greedy })),
    });
    const run = await loop.run();
    await loop.save();
    const { step } = loop;
    if (step > run.resumedFrom && lastEvalStep !== step) {
      // The result compares the start with the end, so the end is always measured.
      lastEval = validate();
      await loop.log({ type: "final-eval", step, ...lastEval });
    }
    const name = basename(dataPath, extname(dataPath));
    const ggufPath =
      options.exportGguf === false
        ? undefined
        : await loop.exportGguf(tokenizer, {
            name: `deliberate-lab-dpo-${name}`,
            description: `lab DPO (β ${beta}${nllWeight > 0 ? `, NLL weight ${nllWeight}` : ""}) on ${dataPath} from ${init}, ${step} steps`,
          });
    const elapsedMs = loop.elapsedMs();
    await loop.log({ type: "stop", step, reason: run.stopReason, elapsedMs: Math.round(elapsedMs) });
    return {
      stopReason: run.stopReason,
      steps: step,
      resumedFrom: run.resumedFrom,
      initialEval,
      lastEval,
      finalLoss: run.finalLoss,
      trainPairs: data.train.length,
      referencePairs: reference.computed,
      config,
      elapsedMs,
      checkpointPath: loop.checkpointPath,
      logPath: loop.logPath,
      ggufPath,
    };
  } finally {
    await pool.close();
  }
}

/** The problems greedy accuracy is measured on, and how they are graded. */
function validationProblems(
  task: SyntheticName | undefined,
  difficulty: number,
  seed: number,
  tokenizer: CharTokenizer,
  config: LlamaConfig,
  heldOut: TaskExample[],
): { problems: TaskExample[]; correct?: (item: TaskExample["item"], output: string) => boolean } {
  if (task === undefined) {
    // A file's gold answers are graded by deliberate's grader on the `#### ` line.
    return { problems: heldOut, correct: (item, output) => reward(item, output) === 1 };
  }
  const data = buildTaskData({
    task,
    difficulty,
    trainSize: 0,
    seed,
    contextLength: config.contextLength,
    tokenizer,
  });
  const texts = data.valid.flatMap((e) => [e.item.question, ...e.item.solutions]);
  const missing = tokenizer.uncovered(texts);
  if (missing.length > 0) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`${task}\` uses character(s) not in the init checkpoint's vocabulary: ${missing.map((c) => JSON.stringify(c)).join(", ")}`,
      { param: "task" },
    );
  }
  return { problems: data.valid };
}

/**
 * Refuses to resume a run from another init checkpoint or data file, or one changed since, or with
 * another objective (β or α): a run's steps all descend one loss.
 */
function requireSameRun(
  saved: Record<string, unknown>,
  current: {
    init: string;
    initFingerprint: string;
    dataFingerprint: string;
    beta: number;
    nllWeight: number;
  },
  outDir: string,
): void {
  // Checkpoints written before `nllWeight` existed were pure DPO.
  const savedNllWeight = saved.nllWeight ?? 0;
  const checks: Array<[differs: boolean, problem: string, param: string]> = [
    [saved.init !== current.init, `started from ${String(saved.init)}, not ${current.init}`, "init"],
    [
      saved.initFingerprint !== current.initFingerprint,
      `started from other weights in ${current.init} (it was overwritten since), so the reference would differ`,
      "init",
    ],
    [
      saved.dataFingerprint !== current.dataFingerprint,
      "trained on other data (the data file changed, or the run used another)",
      "data",
    ],
    [saved.beta !== current.beta, `trained with β ${String(saved.beta)}, not ${current.beta}`, "beta"],
    [
      savedNllWeight !== current.nllWeight,
      `trained with NLL weight ${String(savedNllWeight)}, not ${current.nllWeight}`,
      "nllWeight",
    ],
  ];
  const failed = checks.find(([differs]) => differs);
  if (failed) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `${outDir}/checkpoint.bin ${failed[1]}; use another --out or delete it`,
      { param: failed[2] },
    );
  }
}

/** `length:fnv1a` of the weights' bytes: which weights a reference was (and must be again on resume). */
function paramsFingerprint(params: Float32Array): string {
  const words = new Uint32Array(params.buffer, params.byteOffset, params.length);
  let hash = fnv1a("");
  for (const word of words) hash = Math.imul(hash ^ word, 0x01000193) >>> 0;
  return `${params.length}:${hash.toString(16)}`;
}

/** The mean of `run` over `items` in batches of `size`, weighted by batch size. */
function meanOver(
  items: DpoPair[],
  size: number,
  run: (batch: DpoPair[]) => DpoBatchResult,
): Pick<DpoBatchResult, "loss" | "margin" | "preference" | "chosenShift" | "rejectedShift" | "chosenNll"> {
  const sum = { loss: 0, margin: 0, preference: 0, chosenShift: 0, rejectedShift: 0, chosenNll: 0 };
  for (let i = 0; i < items.length; i += size) {
    const batch = items.slice(i, i + size);
    const r = run(batch);
    for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += r[key] * batch.length;
  }
  for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] /= Math.max(1, items.length);
  return sum;
}

/**
 * Means of a step's numbers over the training loop's log window (the steps since the last multiple of
 * `logEvery`), so a `train` record's margin and preference accuracy average the same steps as its loss.
 */
class WindowMeans {
  private sums: Record<string, number> = {};
  private count = 0;

  constructor(private readonly logEvery: number) {}

  /** Adds step `step`'s values (0-based, before the loop counts it) and returns the window's means. */
  add(step: number, values: Record<string, number>): Record<string, number> {
    if (step % this.logEvery === 0) {
      this.sums = {};
      this.count = 0;
    }
    this.count++;
    const means: Record<string, number> = {};
    for (const [key, value] of Object.entries(values)) {
      this.sums[key] = (this.sums[key] ?? 0) + value;
      means[key] = round4(this.sums[key] / this.count);
    }
    return means;
  }
}
