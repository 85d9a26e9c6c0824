/**
 * The process reward model stage (`deliberate train --stage prm`, issue 18), Math-Shepherd's recipe
 * on the lab's models:
 *
 * 1. the policy (default: the `init` model) writes `samplesPerProblem` solutions to training problems
 *    (the top two levels it trained on) and to held-out ones (its validation split); each step prefix
 *    gets a Monte-Carlo value from `rollouts` completions (prm-labels.ts); all of it is written to
 *    prm-samples.jsonl and read back on resume (prm-data.ts);
 * 2. a PRM — the init model's shape and weights (SFT, not scratch), its context widened to fit —
 *    learns the verdict after every step of a solution (`prmPrompt`'s dense layout: all of a
 *    solution's decisions in one sequence), the first verdict token towards the prefix's soft target
 *    (value, 1 − value) or hard one (value > 0) (prm-format.ts, prm-objective.ts, prm-gradients.ts),
 *    in the training loop (same logs, checkpoints and resume as every stage; a resume reads the
 *    samples back);
 * 3. held-out: step-level AUC (prefix score vs. value > 0 and vs. value > ½), outcome-level AUC
 *    (min and last of the step scores vs. the solution's correctness), majority vs. PRM-weighted
 *    best-of-n — and the same for an outcome verifier on the same solutions when one is given
 *    (prm-eval.ts, prm-verifier.ts);
 * 4. export model.gguf, which the `prm` step scorer reads through `score()`.
 */
import { mkdir } from "node:fs/promises";
import { DeliberateError } from "../../errors.ts";
import { requireIntegers } from "../../util/require-integers.ts";
import type { LlamaConfig } from "../model/config.ts";
import { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import { MatmulPool } from "../tensor/matmul-pool.ts";
import { checkpointTask } from "./checkpoint.ts";
import { type PrmSampling, prmData } from "./prm-data.ts";
import {
  evaluatePrm,
  type PrmEval,
  type PrmSolutionScores,
  prmSelection,
  type ReportedAggregation,
} from "./prm-eval.ts";
import { type PrmLabels, type PrmRow, prmRows, verdictTokens } from "./prm-format.ts";
import { prmBatch } from "./prm-gradients.ts";
import { loadLabModel } from "./prm-init.ts";
import type { PrmSample } from "./prm-labels.ts";
import { prmSamplesPath } from "./prm-samples-file.ts";
import { compareWithVerifier, type VerifierComparison } from "./prm-verifier.ts";
import { loadResumeCheckpoint, round4, TrainLoop, type TrainStopReason } from "./train-loop.ts";
import type { SelectionResult } from "./verifier-metrics.ts";

export interface PrmOptions {
  /** The model the PRM starts from: a checkpoint, a run folder, or `builtin:NAME` (its SFT task rebuilds the data). */
  init: string;
  /** The policy whose solutions are labelled (same forms). Default `init`. Must share its vocabulary. */
  policy?: string;
  /** Folder for checkpoint.bin, log.jsonl, prm-samples.jsonl and model.gguf. */
  outDir: string;
  /** Training problems sampled. Default 200. */
  problems?: number;
  /** Held-out (validation-split) problems sampled for the evaluations. Default 50. */
  heldOutProblems?: number;
  /** Policy solutions per problem. Default 4. */
  samplesPerProblem?: number;
  /** Completions from each step prefix (Math-Shepherd's N). Default 8. */
  rollouts?: number;
  /**
   * Labelled samples to train on instead of sampling: other PRM runs' prm-samples.jsonl files (or
   * their folders), training and held-out samples each joined in order. Sampling is the slow part
   * and runs on one core: runs side by side sample on every core, and one run tries PRM settings
   * (init, steps, learning rate) on what they drew. They are copied into `outDir`, so the run's folder
   * stays whole.
   */
  samplesFrom?: readonly string[];
  /** The verdict's training target: the Monte-Carlo value (`soft`, default) or value > 0 (`hard`). */
  labels?: PrmLabels;
  /** Sampling temperature of solutions and rollouts. Default 1. */
  temperature?: number;
  /** The PRM's context; default: the longest PRM sequence rounded up to 16. */
  contextLength?: number;
  /** Training time budget in minutes (sampling excluded), summed over resumed runs. Default 5. */
  minutes?: number;
  /** Hard cap on optimiser steps. Default 600. */
  maxSteps?: number;
  /** Solutions per batch (each with a verdict per step), half right and half wrong when both exist. Default 16. */
  batchSize?: number;
  /** Peak learning rate. Default 3e-3 (the outcome verifier's). */
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
  /** Steps between held-out evaluations. Default 100. */
  evalEvery?: number;
  /** Held-out (and training) solutions whose prefixes each evaluation scores. Default 16. */
  evalSamples?: number;
  /** Seconds between checkpoints. Default 30. */
  checkpointEverySeconds?: number;
  /** Matmul threads. Default 2. */
  threads?: number;
  /** Seed for problem choice, sampling and batches. Default 1. */
  seed?: number;
  /** Continue from outDir/checkpoint.bin (and its prm-samples.jsonl) when there is one. Default true. */
  resume?: boolean;
  /** Export outDir/model.gguf at the end. Default true. */
  exportGguf?: boolean;
  /** An outcome verifier (checkpoint, run folder or `builtin:NAME`) to score the same held-out solutions. */
  verifier?: string;
  /** After each problem sampled (sampling reports no training steps). */
  onSampling?: (progress: PrmSamplingProgress) => void;
  /** Called after every step, for progress bars. */
  onProgress?: (progress: PrmProgress) => void;
  signal?: AbortSignal;
}

export interface PrmSamplingProgress {
  /** Problems sampled and labelled so far, of `total` (training and held-out). */
  done: number;
  total: number;
  elapsedMs: number;
}

export interface PrmProgress {
  step: number;
  /** The loop's last step; it may stop earlier, at the time budget. */
  maxSteps: number;
  /** Training loss of this step (nats per verdict token). */
  loss: number;
  elapsedMs: number;
  budgetMs: number;
  /** Latest held-out step-level AUC, once evaluated. */
  stepAuc?: number;
}

export interface PrmResult {
  /** Never "target": this stage has no target. */
  stopReason: TrainStopReason;
  steps: number;
  /** Step this run started from (0 unless resumed). */
  resumedFrom: number;
  /** Mean training loss of the first and the last logged window of this run (nats per verdict token). */
  firstLoss: number;
  finalLoss: number;
  /** Training solutions and the step prefixes trained on. */
  trainSamples: number;
  trainPrefixes: number;
  /** The PRM on every held-out solution. */
  heldOut: PrmEval;
  /** Majority vote vs. PRM-weighted best-of-n vs. best-of-n on the held-out problems, per aggregation. */
  selection: Record<ReportedAggregation, SelectionResult>;
  /** The outcome verifier on the same solutions, when `verifier` was given. */
  verifier?: VerifierComparison;
  config: LlamaConfig;
  /** Time spent sampling and labelling (0 when the samples were read back on resume). */
  samplingMs: number;
  elapsedMs: number;
  checkpointPath: string;
  logPath: string;
  samplesPath: string;
  ggufPath?: string;
}

export async function runPrm(options: PrmOptions): Promise<PrmResult> {
  const {
    outDir,
    problems = 200,
    heldOutProblems = 50,
    samplesPerProblem = 4,
    rollouts = 8,
    temperature = 1,
    labels = "soft",
    minutes = 5,
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
    evalSamples = 16,
    checkpointEverySeconds = 30,
    threads = 2,
    seed = 1,
    resume = true,
    onProgress,
    signal,
  } = options;
  requireIntegers([
    ["problems", problems, 1],
    ["heldOutProblems", heldOutProblems, 1],
    ["samplesPerProblem", samplesPerProblem, 1],
    ["rollouts", rollouts, 1],
    ["evalSamples", evalSamples, 1],
  ]);
  if (labels !== "soft" && labels !== "hard") {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`labels\` must be "soft" or "hard" (got ${JSON.stringify(labels)})`,
      {
        param: "labels",
      },
    );
  }
  if (!(temperature > 0 && Number.isFinite(temperature))) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`temperature\` must be a positive number (got ${temperature})`,
      {
        param: "temperature",
      },
    );
  }
  const init = await loadLabModel(options.init, "init");
  const policy = options.policy === undefined ? init : await loadLabModel(options.policy, "policy");
  const { sft, data } = checkpointTask(init.checkpoint, init.path);
  if (policy.checkpoint.header.chars.join("") !== init.checkpoint.header.chars.join("")) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `the policy ${policy.path} has another vocabulary than the init model ${init.path}; both must come from one task`,
      { param: "policy" },
    );
  }
  const { tokenizer } = data;
  await mkdir(outDir, { recursive: true });
  const sampling: PrmSampling = {
    init: init.path,
    policy: policy.path,
    problems,
    heldOutProblems,
    samplesPerProblem,
    rollouts,
    temperature,
    seed,
    ...(options.samplesFrom === undefined ? {} : { samplesFrom: options.samplesFrom.map(prmSamplesPath) }),
  };
  const resumed = await loadResumeCheckpoint(outDir, resume);
  const pool = new MatmulPool({ threads });
  try {
    const samples = await prmData({
      sampling,
      outDir,
      resumed,
      policy: policy.checkpoint,
      data,
      difficulty: sft.difficulty,
      pool,
      onProblem: (done, total, elapsedMs) => options.onSampling?.({ done, total, elapsedMs }),
    });
    const { samplesPath, samplingMs } = samples;
    const verdicts = verdictTokens(tokenizer);
    const trainRows = prmRows(tokenizer, samples.train, labels);
    const heldRows = prmRows(tokenizer, samples.heldOut, labels);
    const longest = Math.max(...[...trainRows, ...heldRows].map((r) => r.tokens.length));
    const contextLength = options.contextLength ?? Math.ceil(longest / 16) * 16;
    const usable = trainRows.filter((r) => r.tokens.length <= contextLength);
    if (usable.length === 0) {
      throw new DeliberateError("BAD_REQUEST", `no PRM sequence fits a context of ${contextLength}`, {
        param: "contextLength",
      });
    }
    const trainDecisions = usable.flatMap((r) => r.decisions);
    // RoPE has no learned positions, so the init model's weights serve a longer context unchanged.
    const config: LlamaConfig = { ...init.checkpoint.header.config, contextLength };
    const model = new LlamaModel(config, { seed, pool });
    model.params.set(init.checkpoint.params);
    const resolved = {
      stage: "prm",
      ...sampling,
      samplesFingerprint: samples.fingerprint,
      sft,
      labels,
      contextLength,
      maxSteps,
      batchSize,
      lr,
      minLr,
      warmupSteps,
      decaySteps,
      gradClip,
      weightDecay,
      evalSamples,
    };
    // Balanced batches, half right solutions and half wrong ones (which hold the bad prefixes): with an
    // accurate policy most prefixes are good, and a PRM that always says yes would look fine on the
    // loss while ranking nothing.
    const good = usable.filter((r) => r.label === 1);
    const bad = usable.filter((r) => r.label !== 1);
    const random = new Random(seed * 15_485_863 + 29);
    const evaluate = (evalSet: PrmSample[]) => evaluatePrm(model, tokenizer, verdicts, evalSet).eval;
    const heldSubset = samples.heldOut.slice(0, evalSamples);
    const trainSubset = samples.train.slice(0, evalSamples);
    let lastStepAuc: number | undefined;
    const loop = new TrainLoop<{ loss: number; tokens: number }>({
      model,
      random,
      outDir,
      chars: tokenizer.chars,
      options: resolved,
      startRecord: {
        trainSamples: samples.train.length,
        trainPrefixes: trainDecisions.length,
        trainGoodPrefixes: trainDecisions.filter((d) => d.target >= 0.5).length,
        heldOutSamples: samples.heldOut.length,
        heldOutPrefixes: heldRows.reduce((n, r) => n + r.decisions.length, 0),
        // From the values, not the rows' targets (hard labels make those 0 or 1).
        heldOutGoodPrefixes: samples.heldOut.flatMap((sample) => sample.values).filter((v) => v > 0.5).length,
        samplingMs: Math.round(samplingMs),
        parameters: model.params.length,
      },
      resume: resumed,
      bestAccuracy: () => 0,
      budgetMs: minutes * 60_000,
      maxSteps,
      schedule: { maxLr: lr, minLr, warmupSteps, decaySteps },
      gradClip,
      weightDecay,
      logEvery,
      evalEvery,
      checkpointEverySeconds,
      signal,
      step: () => {
        const rows: PrmRow[] = Array.from({ length: batchSize }, (_, b) => {
          const from = good.length > 0 && bad.length > 0 ? (b % 2 ? good : bad) : usable;
          return from[random.int(from.length)];
        });
        model.zeroGrad();
        const r = prmBatch(model, rows, verdicts, { gradient: true });
        return {
          loss: r.loss,
          tokens: r.tokens,
          record: { decisionLoss: round4(r.decisionLoss), decisionKl: round4(r.decisionKl) },
        };
      },
      evaluate: () => {
        const held = evaluate(heldSubset);
        const seen = evaluate(trainSubset);
        lastStepAuc = held.stepAuc;
        return {
          record: {
            ...flatEval(held),
            trainStepAuc: round4(seen.stepAuc),
            trainStepAucHard: round4(seen.stepAucHard),
            trainDecisionKl: round4(seen.decisionKl),
          },
        };
      },
      onProgress:
        onProgress && (({ outcome, ...p }) => onProgress({ ...p, loss: outcome.loss, stepAuc: lastStepAuc })),
    });
    // Sampling is the slow part: a checkpoint before the first step lets a killed run resume with it.
    if (!resumed) await loop.save();
    const run = await loop.run();
    const { step } = loop;
    const final: { eval: PrmEval; scores: PrmSolutionScores } = evaluatePrm(
      model,
      tokenizer,
      verdicts,
      samples.heldOut,
    );
    const selection = prmSelection(samples.heldOut, final.scores);
    const verifier =
      options.verifier === undefined
        ? undefined
        : await compareWithVerifier(options.verifier, samples.heldOut, pool);
    await loop.log({
      type: "final-eval",
      step,
      ...flatEval(final.eval),
      prmSelection: selection,
      ...(verifier ? { verifier } : {}),
    });
    await loop.save();
    const ggufPath =
      options.exportGguf === false
        ? undefined
        : await loop.exportGguf(tokenizer, {
            name: `deliberate-lab-${sft.task}-d${sft.difficulty}-prm`,
            description: `lab process reward model for synthetic:${sft.task} difficulty ${sft.difficulty}: P(step prefix is on a right path) = likelihood of "Yes" after deliberate's PRM prompt; ${step} steps on Math-Shepherd ${labels} labels, held-out step AUC ${final.eval.stepAucHard.toFixed(3)} against value > 0, ${final.eval.stepAuc.toFixed(3)} against value > ½`,
          });
    const elapsedMs = loop.elapsedMs();
    await loop.log({ type: "stop", step, reason: run.stopReason, elapsedMs: Math.round(elapsedMs) });
    return {
      stopReason: run.stopReason,
      steps: step,
      resumedFrom: run.resumedFrom,
      firstLoss: run.firstLoss,
      finalLoss: run.finalLoss,
      trainSamples: samples.train.length,
      trainPrefixes: trainDecisions.length,
      heldOut: final.eval,
      selection,
      verifier,
      config,
      samplingMs,
      elapsedMs,
      checkpointPath: loop.checkpointPath,
      logPath: loop.logPath,
      samplesPath,
      ggufPath,
    };
  } finally {
    await pool.close();
  }
}

/** An evaluation as log fields: the outcome AUCs side by side, numbers rounded. */
function flatEval(e: PrmEval): Record<string, number> {
  return {
    prefixes: e.prefixes,
    goodPrefixes: round4(e.goodPrefixes),
    stepAuc: round4(e.stepAuc),
    alivePrefixes: round4(e.alivePrefixes),
    stepAucHard: round4(e.stepAucHard),
    decisionLoss: round4(e.decisionLoss),
    decisionKl: round4(e.decisionKl),
    solutions: e.solutions,
    correctSolutions: round4(e.correctSolutions),
    outcomeAucMin: round4(e.outcomeAuc.min),
    outcomeAucLast: round4(e.outcomeAuc.last),
  };
}
