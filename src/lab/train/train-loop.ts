/**
 * The one training loop of the lab's stages (SFT, GRPO, the outcome verifier), nanoGPT's shape:
 * check the stop conditions → learning rate from the schedule → the stage computes a batch's loss and
 * gradients → clip → AdamW step → log, evaluate, report progress, checkpoint → next step.
 *
 * The loop owns what every stage shares: the step counter, the schedule, clipping, the optimizer and
 * its step, the time budget (summed over resumed runs) and the abort signal, the JSONL log
 * (`start`/`resume`, `train` every `logEvery` steps and at the last step, `eval` every `evalEvery`),
 * periodic checkpoints and resuming from one. A stage brings only what is its own: `step` (a batch's
 * loss and gradients), `evaluate`, and what its checkpoint and start record hold. The knobs come from
 * the stage's options, where their defaults are documented.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { DeliberateError } from "../../errors.ts";
import { type ExportGgufOptions, exportGguf } from "../export/export-gguf.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { Random } from "../random.ts";
import type { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { AdamW, clipGradNorm } from "./adamw.ts";
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { type LrScheduleOptions, learningRate } from "./lr-schedule.ts";

/** The loop's knobs, resolved by the stage (each stage documents its defaults on its own options). */
export interface TrainLoopSettings {
  /** Training time budget in ms, summed over resumed runs. */
  budgetMs: number;
  /** The loop's last step. */
  maxSteps: number;
  /** Learning rate per step: warm-up, then cosine to `minLr` (lr-schedule.ts). */
  schedule: LrScheduleOptions;
  /** Global gradient-norm clip. */
  gradClip: number;
  /** AdamW decoupled weight decay (on matrices only). */
  weightDecay: number;
  /** Steps between `train` log records (the mean loss of their window). */
  logEvery: number;
  /** Steps between `evaluate` calls. */
  evalEvery: number;
  /** Seconds between checkpoints; Infinity for none before the stage's own final `save()`. */
  checkpointEverySeconds: number;
}

/** What a stage's `step` did: its gradients are in `model.grads`, not yet clipped or applied. */
export interface StepOutcome {
  /** This step's training loss; the `train` record logs its window's mean. Absent: no loss logged. */
  loss?: number;
  /** Target tokens trained on, for tokens/s in the log and progress. Absent: no rate. */
  tokens?: number;
  /** False when the step produced no gradient (GRPO: every group's rewards were equal): no update. */
  update?: boolean;
  /** The stage's own fields of this step's `train` record. */
  record?: Record<string, unknown>;
}

/** An evaluation's `eval` record fields, and whether the run should stop (SFT's target accuracy). */
export interface EvalOutcome {
  record: Record<string, unknown>;
  stop?: boolean;
}

export interface TrainLoopProgress<Outcome extends StepOutcome> {
  step: number;
  maxSteps: number;
  lr: number;
  /** Target tokens per second since this run started, when the stage counts tokens. */
  tokensPerSecond?: number;
  elapsedMs: number;
  budgetMs: number;
  /** What the stage's `step` returned. */
  outcome: Outcome;
}

export interface TrainLoopOptions<Outcome extends StepOutcome> extends TrainLoopSettings {
  model: LlamaModel;
  /** The stage's random stream (batches, sampling): its state is checkpointed so a resume draws the same. */
  random: Random;
  /** Folder of checkpoint.bin and log.jsonl. */
  outDir: string;
  /** The tokenizer's alphabet, stored in the checkpoint (a resume with another alphabet is refused). */
  chars: string[];
  /** The stage's resolved options: in the checkpoint and the `start`/`resume` record. */
  options: Record<string, unknown>;
  /** The stage's own fields of the `start`/`resume` record (data sizes, parameters, …). */
  startRecord?: Record<string, unknown>;
  /** The checkpoint to continue from (see `loadResumeCheckpoint`); its weights, moments, step, random state and time are restored. */
  resume?: Checkpoint;
  /** Best validation accuracy so far, for the checkpoint header. Default 0. */
  bestAccuracy?: () => number;
  /** One step's loss and gradients at learning rate `lr` (for stages that need it). */
  step: (context: { step: number; lr: number }) => Outcome;
  /** Called every `evalEvery` steps (after `step` counts them); undefined logs nothing. */
  evaluate?: (step: number) => EvalOutcome | undefined;
  onProgress?: (progress: TrainLoopProgress<Outcome>) => void;
  /** Stops the loop after the current step (the stage still saves and exports). */
  signal?: AbortSignal;
}

export type TrainStopReason = "target" | "time" | "steps" | "aborted";

export interface TrainLoopResult {
  stopReason: TrainStopReason;
  /** Step this run started from (0 unless resumed). */
  resumedFrom: number;
  /** Mean training loss of the first and of the last logged window (NaN when the stage logs none). */
  firstLoss: number;
  finalLoss: number;
  /** Target tokens per second over this run (0 when the stage counts none). */
  tokensPerSecond: number;
}

/** The checkpoint in `outDir` to resume from, when `resume` is on and there is one. */
export async function loadResumeCheckpoint(outDir: string, resume: boolean): Promise<Checkpoint | undefined> {
  const path = join(outDir, "checkpoint.bin");
  return resume && existsSync(path) ? loadCheckpoint(path) : undefined;
}

export class TrainLoop<Outcome extends StepOutcome = StepOutcome> {
  readonly optimizer: AdamW;
  readonly checkpointPath: string;
  readonly logPath: string;
  /** Optimiser steps taken, over every resumed run. */
  step = 0;
  private readonly options: TrainLoopOptions<Outcome>;
  private readonly resumedFrom: number;
  private readonly priorMs: number;
  private started = performance.now();

  constructor(options: TrainLoopOptions<Outcome>) {
    this.options = options;
    const { model, outDir, resume, weightDecay } = options;
    this.checkpointPath = join(outDir, "checkpoint.bin");
    this.logPath = join(outDir, "log.jsonl");
    // Decay the matrices only; norm gains stay free.
    const decayMask = new Uint8Array(model.params.length);
    for (const spec of model.layout)
      if (spec.shape.length === 2) decayMask.fill(1, spec.offset, spec.offset + spec.size);
    this.optimizer = new AdamW(model.params.length, decayMask, { weightDecay });
    this.priorMs = resume?.header.elapsedMs ?? 0;
    this.resumedFrom = resume?.header.step ?? 0;
    if (resume) this.restore(resume);
  }

  /** Training time in ms, over every resumed run. */
  elapsedMs(): number {
    return this.priorMs + (performance.now() - this.started);
  }

  /** Appends one JSON record to log.jsonl. */
  log(record: Record<string, unknown>): Promise<void> {
    return appendFile(this.logPath, `${JSON.stringify(record)}\n`);
  }

  /** Writes checkpoint.bin (atomically): weights, AdamW moments, step, random state, time, options. */
  save(): Promise<void> {
    const { model, random, chars, options, bestAccuracy } = this.options;
    return saveCheckpoint(this.checkpointPath, {
      header: {
        config: model.config,
        chars,
        step: this.step,
        randomState: random.seedState,
        elapsedMs: this.elapsedMs(),
        bestAccuracy: bestAccuracy?.() ?? 0,
        options,
      },
      params: model.params,
      m: this.optimizer.m,
      v: this.optimizer.v,
    });
  }

  /** Exports outDir/model.gguf and returns its path. */
  async exportGguf(tokenizer: CharTokenizer, metadata: ExportGgufOptions): Promise<string> {
    const path = join(this.options.outDir, "model.gguf");
    await exportGguf(path, this.options.model, tokenizer, metadata);
    return path;
  }

  /** Runs steps until `maxSteps`, the time budget, the abort signal or an evaluation says stop. */
  async run(): Promise<TrainLoopResult> {
    const o = this.options;
    const { model } = o;
    const { optimizer } = this;
    await mkdir(o.outDir, { recursive: true });
    await this.log({
      type: o.resume ? "resume" : "start",
      time: new Date().toISOString(),
      step: this.step,
      options: o.options,
      ...o.startRecord,
    });
    this.started = performance.now();
    let lastCheckpoint = performance.now();
    let tokens = 0;
    let window: number[] = [];
    let firstLoss = Number.NaN;
    let finalLoss = Number.NaN;
    let stopReason: TrainStopReason = "steps";
    const tokensPerSecond = () => tokens / ((performance.now() - this.started) / 1000);
    let last: { lr: number; gradNorm: number; outcome: Outcome } | undefined;
    const logTrain = async () => {
      if (!last) return;
      const loss = window.length > 0 ? mean(window) : undefined;
      window = [];
      if (loss !== undefined) {
        finalLoss = loss;
        if (Number.isNaN(firstLoss)) firstLoss = loss;
      }
      await this.log({
        type: "train",
        step: this.step,
        ...(loss === undefined ? {} : { loss: round4(loss) }),
        lr: last.lr,
        gradNorm: round4(last.gradNorm),
        ...last.outcome.record,
        ...(tokens > 0 ? { tokensPerSecond: Math.round(tokensPerSecond()) } : {}),
        elapsedMs: Math.round(this.elapsedMs()),
      });
    };

    while (this.step < o.maxSteps) {
      if (o.signal?.aborted) {
        stopReason = "aborted";
        break;
      }
      if (this.elapsedMs() >= o.budgetMs) {
        stopReason = "time";
        break;
      }
      const lr = learningRate(this.step, o.schedule);
      const outcome = o.step({ step: this.step, lr });
      let gradNorm = 0;
      if (outcome.update ?? true) {
        gradNorm = clipGradNorm(model.grads, o.gradClip);
        optimizer.update(model.params, model.grads, lr);
      }
      this.step++;
      if (outcome.loss !== undefined) window.push(outcome.loss);
      tokens += outcome.tokens ?? 0;
      last = { lr, gradNorm, outcome };
      if (this.step % o.logEvery === 0) await logTrain();
      let stop = false;
      if (o.evaluate && this.step % o.evalEvery === 0) {
        const evaluation = o.evaluate(this.step);
        if (evaluation) {
          await this.log({
            type: "eval",
            step: this.step,
            ...evaluation.record,
            elapsedMs: Math.round(this.elapsedMs()),
          });
          stop = evaluation.stop ?? false;
        }
      }
      o.onProgress?.({
        step: this.step,
        maxSteps: o.maxSteps,
        lr,
        tokensPerSecond: tokens > 0 ? tokensPerSecond() : undefined,
        elapsedMs: this.elapsedMs(),
        budgetMs: o.budgetMs,
        outcome,
      });
      if (stop) {
        stopReason = "target";
        break;
      }
      if ((performance.now() - lastCheckpoint) / 1000 >= o.checkpointEverySeconds) {
        await this.save();
        lastCheckpoint = performance.now();
      }
      // Let timers, signals and progress output run between steps.
      await yieldToEventLoop();
    }
    // The last step is always in the log, with the mean of its (possibly short) window.
    if (window.length > 0) await logTrain();
    return {
      stopReason,
      resumedFrom: this.resumedFrom,
      firstLoss,
      finalLoss,
      tokensPerSecond: tokensPerSecond(),
    };
  }

  private restore({ header, params, m, v }: Checkpoint): void {
    const { model, chars, random } = this.options;
    if (
      JSON.stringify(header.config) !== JSON.stringify(model.config) ||
      header.chars.join("") !== chars.join("")
    ) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `${this.checkpointPath} was trained with another model or task; use another --out or delete it`,
      );
    }
    model.params.set(params);
    this.optimizer.m.set(m);
    this.optimizer.v.set(v);
    this.optimizer.step = header.step;
    this.step = header.step;
    random.seedState = header.randomState;
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

/** Four decimals: what the log keeps of losses and norms. */
export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
