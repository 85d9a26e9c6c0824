/**
 * The outcome verifier stage (TinyGSM-style): sample several solutions per problem from a trained
 * generator checkpoint, label each correct/incorrect with the graders (verifier-samples.ts), and
 * train a verifier — the same llama architecture, initialised from the generator (default) or from
 * scratch — to write the reward model's verdict after the solution (verifier-format.ts) in the
 * training loop (train-loop.ts). Exported as GGUF, it plugs into deliberate's `best-of-n` /
 * `weighted-best-of-n` through `rewardModel()` and the llama backend's `score()`, with no extra
 * configuration.
 *
 * Held-out problems (the generator's validation split) are sampled the same way; the final report
 * gives the verifier's accuracy and AUC on them (verifier-score.ts) and compares majority voting with
 * weighted best-of-n (verifier-metrics.ts).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DeliberateError } from "../../errors.ts";
import type { LlamaConfig } from "../model/config.ts";
import { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import { makeBatch } from "../tasks/task-data.ts";
import { MatmulPool } from "../tensor/matmul-pool.ts";
import { checkpointTask, loadCheckpoint } from "./checkpoint.ts";
import { round4, TrainLoop, type TrainStopReason } from "./train-loop.ts";
import { NO_VERDICT, type VerifierRow, verifierRow, YES_VERDICT } from "./verifier-format.ts";
import { compareSelection, type SelectionResult } from "./verifier-metrics.ts";
import { type LabelledSample, sampleVerifierData, writeSamples } from "./verifier-samples.ts";
import { evaluateVerifier, scoreHeldOut, type VerifierEval } from "./verifier-score.ts";

export type { VerifierEval } from "./verifier-score.ts";

export interface VerifierOptions {
  /** The generator checkpoint (SFT or GRPO) whose samples are judged. */
  init: string;
  /** Folder for checkpoint.bin, log.jsonl, samples.jsonl and model.gguf. */
  outDir: string;
  /** Training problems sampled. Default 300. */
  problems?: number;
  /** Held-out (validation-split) problems sampled for the final report. Default 50. */
  heldOutProblems?: number;
  /** Samples per problem. Default 8. */
  samplesPerProblem?: number;
  /** Sampling temperature. Default 1. */
  temperature?: number;
  /** Start from the generator's weights (default) rather than a fresh initialisation. */
  fromScratch?: boolean;
  /** The verifier's context; default: the longest verifier sequence rounded up to 16. */
  contextLength?: number;
  /** Training time budget in minutes (sampling excluded). Default 3. */
  minutes?: number;
  /** Hard cap on optimiser steps. Default 600. */
  maxSteps?: number;
  /** Sequences per batch, half correct and half incorrect when both exist. Default 16. */
  batchSize?: number;
  /** Peak learning rate. Default 3e-3 (1e-3 had not learned the verdict after 270 steps). */
  lr?: number;
  /** Learning rate at the end of the cosine decay. Default lr / 10. */
  minLr?: number;
  /** Linear warm-up steps. Default a tenth of maxSteps, at most 20. */
  warmupSteps?: number;
  /** Step where the cosine reaches minLr. Default maxSteps. */
  decaySteps?: number;
  /** Global gradient-norm clip. Default 1. */
  gradClip?: number;
  /** AdamW decoupled weight decay. Default 0.1. */
  weightDecay?: number;
  /** Steps between training-log lines. Default 10. */
  logEvery?: number;
  /** Steps between held-out evaluations (on up to 64 held-out samples). Default 100. */
  evalEvery?: number;
  /** Matmul threads. Default 2. */
  threads?: number;
  /** Seed for problem choice, sampling and batches. Default 1. */
  seed?: number;
  /** Export outDir/model.gguf at the end. Default true. */
  exportGguf?: boolean;
  /** Called after every step, for progress bars. */
  onProgress?: (progress: VerifierProgress) => void;
  signal?: AbortSignal;
}

export interface VerifierProgress {
  step: number;
  /** The loop's last step; it may stop earlier, at the time budget. */
  maxSteps: number;
  /** Training loss of this step (nats per verdict token). */
  loss: number;
  elapsedMs: number;
  budgetMs: number;
  /** Latest held-out verdict accuracy, once evaluated. */
  accuracy?: number;
}

export interface VerifierResult {
  /** Never "target": this stage has no target accuracy. */
  stopReason: TrainStopReason;
  steps: number;
  /** Mean training loss of the first and the last logged window (nats per verdict token). */
  firstLoss: number;
  finalLoss: number;
  trainSamples: number;
  heldOut: VerifierEval;
  /** Majority vote vs. weighted best-of-n vs. best-of-n on the held-out problems. */
  selection: SelectionResult;
  config: LlamaConfig;
  elapsedMs: number;
  checkpointPath: string;
  logPath: string;
  samplesPath: string;
  ggufPath?: string;
}

export async function runVerifier(options: VerifierOptions): Promise<VerifierResult> {
  const {
    init,
    outDir,
    problems = 300,
    heldOutProblems = 50,
    samplesPerProblem = 8,
    temperature = 1,
    fromScratch = false,
    minutes = 3,
    maxSteps = 600,
    batchSize = 16,
    lr = 3e-3,
    minLr = lr / 10,
    warmupSteps = Math.min(20, Math.ceil(maxSteps / 10)),
    decaySteps = maxSteps,
    gradClip = 1,
    weightDecay = 0.1,
    logEvery = 10,
    evalEvery = 100,
    threads = 2,
    seed = 1,
    onProgress,
    signal,
  } = options;
  const start = await loadCheckpoint(init);
  const { sft, data } = checkpointTask(start, init);
  await mkdir(outDir, { recursive: true });
  const samplesPath = join(outDir, "samples.jsonl");
  const random = new Random(seed * 15_485_863 + 11);
  const pool = new MatmulPool({ threads });
  try {
    const generator = new LlamaModel(start.header.config, { pool });
    generator.params.set(start.params);
    const sampleStarted = performance.now();
    const samples = sampleVerifierData(generator, data, {
      problems,
      heldOutProblems,
      difficulty: sft.difficulty,
      samplesPerProblem,
      temperature,
      random,
    });
    const samplingMs = performance.now() - sampleStarted;
    await writeSamples(samplesPath, samples.train, samples.heldOut);

    const rows = (labelled: LabelledSample[]) =>
      labelled.map((s) => verifierRow(data.tokenizer, s.question, s.text, s.label));
    const trainRows = rows(samples.train);
    const heldRows = rows(samples.heldOut);
    const longest = Math.max(...[...trainRows, ...heldRows].map((r) => r.prompt.length + r.solution.length));
    const contextLength = options.contextLength ?? Math.ceil(longest / 16) * 16;
    const fits = (row: VerifierRow) => row.prompt.length + row.solution.length <= contextLength;
    const usable = trainRows.filter(fits);
    if (usable.length === 0) {
      throw new DeliberateError("BAD_REQUEST", `no verifier sequence fits a context of ${contextLength}`, {
        param: "contextLength",
      });
    }
    // RoPE has no learned positions, so the generator's weights serve a longer context unchanged.
    const config: LlamaConfig = { ...start.header.config, contextLength };
    const model = new LlamaModel(config, { seed, pool });
    if (!fromScratch) model.params.set(start.params);
    const resolved = {
      stage: "verifier",
      init,
      sft,
      problems,
      heldOutProblems,
      samplesPerProblem,
      temperature,
      fromScratch,
      contextLength,
      maxSteps,
      batchSize,
      lr,
      minLr,
      warmupSteps,
      decaySteps,
      gradClip,
      weightDecay,
      seed,
      verdicts: { yes: YES_VERDICT, no: NO_VERDICT },
    };
    const positives = usable.filter((r) => r.label === 1);
    const negatives = usable.filter((r) => r.label === 0);
    const yesTokens = data.tokenizer.encode(YES_VERDICT);
    const noId = data.tokenizer.encode(NO_VERDICT)[0];
    const evaluate = (evalRows: VerifierRow[]) => {
      const { accuracy, auc, decisionLoss } = evaluateVerifier(model, yesTokens, noId, evalRows);
      return { accuracy, auc, decisionLoss: round4(decisionLoss), samples: evalRows.length };
    };
    const heldFitting = heldRows.filter(fits);
    let lastAccuracy: number | undefined;
    let heldOut: VerifierEval | undefined;
    const loop = new TrainLoop<{ loss: number }>({
      model,
      random,
      outDir,
      chars: data.tokenizer.chars,
      options: resolved,
      startRecord: {
        trainSamples: usable.length,
        trainPositives: positives.length,
        heldOutSamples: heldRows.length,
        heldOutPositives: samples.heldOut.filter((s) => s.label === 1).length,
        samplingMs: Math.round(samplingMs),
        parameters: model.params.length,
      },
      bestAccuracy: () => heldOut?.accuracy ?? 0,
      budgetMs: minutes * 60_000,
      maxSteps,
      schedule: { maxLr: lr, minLr, warmupSteps, decaySteps },
      gradClip,
      weightDecay,
      logEvery,
      evalEvery,
      // No resume (the samples are drawn anew each run), so only the final checkpoint.
      checkpointEverySeconds: Number.POSITIVE_INFINITY,
      signal,
      step: () => {
        // Balanced batches: with an accurate generator most samples are correct, and a verifier that
        // always says yes would look fine on the loss while ranking nothing.
        const batchRows = Array.from({ length: batchSize }, (_, b) => {
          const from =
            positives.length > 0 && negatives.length > 0 ? (b % 2 ? positives : negatives) : usable;
          return from[random.int(from.length)];
        });
        const batch = makeBatch(batchRows, contextLength);
        model.zeroGrad();
        const { loss } = model.forward(batch.tokens, batch.targets, batch.B, batch.T);
        model.backward();
        return { loss };
      },
      evaluate:
        heldFitting.length === 0
          ? undefined
          : () => {
              const result = evaluate(heldFitting.slice(0, 64));
              lastAccuracy = result.accuracy;
              // The same on training rows tells under- from over-fitting.
              const seen = evaluate(usable.slice(0, 64));
              return {
                record: {
                  ...result,
                  trainAccuracy: seen.accuracy,
                  trainAuc: seen.auc,
                  trainDecisionLoss: seen.decisionLoss,
                },
              };
            },
      onProgress:
        onProgress &&
        (({ outcome, ...p }) => onProgress({ ...p, loss: outcome.loss, accuracy: lastAccuracy })),
    });
    const run = await loop.run();
    const { step } = loop;
    const final = scoreHeldOut(model, yesTokens, noId, heldRows, fits);
    heldOut = final.heldOut;
    const selection = compareSelection(samples.heldOut, final.scores, final.probabilities);
    await loop.log({ type: "final-eval", step, ...heldOut, selection });
    await loop.save();
    const ggufPath =
      options.exportGguf === false
        ? undefined
        : await loop.exportGguf(data.tokenizer, {
            name: `deliberate-lab-${sft.task}-d${sft.difficulty}-verifier`,
            description: `lab outcome verifier for synthetic:${sft.task} difficulty ${sft.difficulty}: scores "${YES_VERDICT}" after deliberate's reward-model prompt; ${step} steps, held-out AUC ${heldOut.auc.toFixed(3)}`,
          });
    await loop.log({ type: "stop", step, reason: run.stopReason, elapsedMs: Math.round(loop.elapsedMs()) });
    return {
      stopReason: run.stopReason,
      steps: step,
      firstLoss: run.firstLoss,
      finalLoss: run.finalLoss,
      trainSamples: usable.length,
      heldOut,
      selection,
      config,
      elapsedMs: loop.elapsedMs(),
      checkpointPath: loop.checkpointPath,
      logPath: loop.logPath,
      samplesPath,
      ggufPath,
    };
  } finally {
    await pool.close();
  }
}
