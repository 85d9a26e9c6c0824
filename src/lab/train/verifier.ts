/**
 * The outcome verifier stage (TinyGSM-style): sample several solutions per problem from a trained
 * generator checkpoint, label each correct/incorrect with the graders, and train a verifier — the
 * same llama architecture, initialised from the generator (default) or from scratch — to write the
 * reward model's verdict after the solution (see verifier-format.ts). Exported as GGUF, it plugs into
 * deliberate's `best-of-n` / `weighted-best-of-n` through `rewardModel()` and the llama backend's
 * `score()`, with no extra configuration.
 *
 * Held-out problems (the generator's validation split) are sampled the same way; the final report
 * gives the verifier's accuracy and AUC on them and compares majority voting with weighted best-of-n.
 */
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { DeliberateError } from "../../errors.ts";
import { exportGguf } from "../export/export-gguf.ts";
import { type LlamaConfig, tensorLayout } from "../model/config.ts";
import { KvCacheDecoder } from "../model/kv-cache-decoder.ts";
import { LlamaModel } from "../model/llama-model.ts";
import { Random } from "../random.ts";
import { makeBatch } from "../tasks/task-data.ts";
import { MatmulPool } from "../tensor/matmul-pool.ts";
import { AdamW, clipGradNorm } from "./adamw.ts";
import { checkpointTask, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { learningRate } from "./lr-schedule.ts";
import { NO_VERDICT, type VerifierRow, verifierRow, YES_VERDICT } from "./verifier-format.ts";
import { compareSelection, rocAuc, type SelectionResult } from "./verifier-metrics.ts";
import { type LabelledSample, sampleLabelled } from "./verifier-samples.ts";

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
  /** Peak learning rate (cosine to a tenth over maxSteps). Default 3e-3 (1e-3 had not learned the verdict after 270 steps). */
  lr?: number;
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
  onProgress?: (progress: {
    step: number;
    /** The loop's last step; it may stop earlier, at the time budget. */
    maxSteps: number;
    loss: number;
    elapsedMs: number;
    budgetMs: number;
    /** Latest held-out verdict accuracy, once evaluated. */
    accuracy?: number;
  }) => void;
  signal?: AbortSignal;
}

export interface VerifierEval {
  samples: number;
  /** Share of correct samples. */
  positives: number;
  /** Verdict accuracy: P(first token of the yes verdict) > P(first token of the no verdict). */
  accuracy: number;
  /** ROC AUC of the reward-model score. */
  auc: number;
}

export interface VerifierResult {
  stopReason: "time" | "steps" | "aborted";
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
    logEvery = 10,
    evalEvery = 100,
    threads = 2,
    seed = 1,
    onProgress,
    signal,
  } = options;
  const start = await loadCheckpoint(init);
  const { sft, data } = checkpointTask(start, init);
  const generatorConfig = start.header.config;
  await mkdir(outDir, { recursive: true });
  const checkpointPath = join(outDir, "checkpoint.bin");
  const logPath = join(outDir, "log.jsonl");
  const samplesPath = join(outDir, "samples.jsonl");
  const log = (record: Record<string, unknown>) => appendFile(logPath, `${JSON.stringify(record)}\n`);
  const random = new Random(seed * 15_485_863 + 11);
  const pool = new MatmulPool({ threads });
  try {
    const generator = new LlamaModel(generatorConfig, { pool });
    generator.params.set(start.params);
    const pick = <T>(items: T[], count: number) => shuffled(items, random).slice(0, count);
    const sampleStarted = performance.now();
    // Judging matters where the generator errs: a generator trained on a mixture of levels samples
    // its verifier's problems from the top two (the held-out ones are at the top level).
    const hard = data.train.filter((example) => example.item.difficulty >= sft.difficulty - 1);
    const trainSamples = sampleLabelled(generator, data.tokenizer, pick(hard, problems), {
      samplesPerProblem,
      temperature,
      random,
    });
    const heldSamples = sampleLabelled(generator, data.tokenizer, data.valid.slice(0, heldOutProblems), {
      samplesPerProblem,
      temperature,
      random,
    });
    const samplingMs = performance.now() - sampleStarted;
    await writeFile(
      samplesPath,
      [
        ...trainSamples.map((s) => ({ split: "train", ...s })),
        ...heldSamples.map((s) => ({ split: "held-out", ...s })),
      ]
        .map((s) => JSON.stringify(s))
        .join("\n")
        .concat("\n"),
    );

    const rows = (samples: LabelledSample[]) =>
      samples.map((s) => verifierRow(data.tokenizer, s.question, s.text, s.label));
    const trainRows = rows(trainSamples);
    const heldRows = rows(heldSamples);
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
    const config: LlamaConfig = { ...generatorConfig, contextLength };
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
      seed,
      verdicts: { yes: YES_VERDICT, no: NO_VERDICT },
    };
    const positives = usable.filter((r) => r.label === 1);
    const negatives = usable.filter((r) => r.label === 0);
    await log({
      type: "start",
      time: new Date().toISOString(),
      options: resolved,
      trainSamples: usable.length,
      trainPositives: positives.length,
      heldOutSamples: heldRows.length,
      heldOutPositives: heldSamples.filter((s) => s.label === 1).length,
      samplingMs: Math.round(samplingMs),
      parameters: model.params.length,
    });

    const decayMask = new Uint8Array(model.params.length);
    for (const spec of tensorLayout(config))
      if (spec.shape.length === 2) decayMask.fill(1, spec.offset, spec.offset + spec.size);
    const optimizer = new AdamW(model.params.length, decayMask, { weightDecay: 0.1 });
    const yesTokens = data.tokenizer.encode(YES_VERDICT);
    const noId = data.tokenizer.encode(NO_VERDICT)[0];
    const evaluate = (evalRows: VerifierRow[]) => {
      const { accuracy, auc, decisionLoss } = evaluateVerifier(model, yesTokens, noId, evalRows);
      return { accuracy, auc, decisionLoss: round(decisionLoss), samples: evalRows.length };
    };
    const budgetMs = minutes * 60_000;
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let step = 0;
    let window: number[] = [];
    let firstLoss = Number.NaN;
    let finalLoss = Number.NaN;
    let stopReason: VerifierResult["stopReason"] = "steps";
    let lastAccuracy: number | undefined;
    const heldFitting = heldRows.filter(fits);
    while (step < maxSteps) {
      if (signal?.aborted) {
        stopReason = "aborted";
        break;
      }
      if (elapsed() >= budgetMs) {
        stopReason = "time";
        break;
      }
      const currentLr = learningRate(step, {
        maxLr: lr,
        minLr: lr / 10,
        warmupSteps: Math.min(20, Math.ceil(maxSteps / 10)),
        decaySteps: maxSteps,
      });
      // Balanced batches: with an accurate generator most samples are correct, and a verifier that
      // always says yes would look fine on the loss while ranking nothing.
      const batchRows = Array.from({ length: batchSize }, (_, b) => {
        const from = positives.length > 0 && negatives.length > 0 ? (b % 2 ? positives : negatives) : usable;
        return from[random.int(from.length)];
      });
      const batch = makeBatch(batchRows, contextLength);
      model.zeroGrad();
      const { loss } = model.forward(batch.tokens, batch.targets, batch.B, batch.T);
      model.backward();
      const gradNorm = clipGradNorm(model.grads, 1);
      optimizer.update(model.params, model.grads, currentLr);
      step++;
      window.push(loss);
      if (step % logEvery === 0 || step === maxSteps) {
        finalLoss = mean(window);
        if (Number.isNaN(firstLoss)) firstLoss = finalLoss;
        window = [];
        await log({
          type: "train",
          step,
          loss: round(finalLoss),
          lr: currentLr,
          gradNorm: round(gradNorm),
          elapsedMs: Math.round(elapsed()),
        });
      }
      if (step % evalEvery === 0 && heldFitting.length > 0) {
        const result = evaluate(heldFitting.slice(0, 64));
        lastAccuracy = result.accuracy;
        // The same on training rows tells under- from over-fitting.
        const seen = evaluate(usable.slice(0, 64));
        await log({
          type: "eval",
          step,
          ...result,
          trainAccuracy: seen.accuracy,
          trainAuc: seen.auc,
          trainDecisionLoss: seen.decisionLoss,
          elapsedMs: Math.round(elapsed()),
        });
      }
      onProgress?.({ step, maxSteps, loss, elapsedMs: elapsed(), budgetMs, accuracy: lastAccuracy });
      await yieldToEventLoop();
    }
    if (window.length > 0) {
      finalLoss = mean(window);
      if (Number.isNaN(firstLoss)) firstLoss = finalLoss;
    }
    // Samples whose verifier sequence does not fit score 0, as a rejected candidate would.
    const scored = heldRows.map((row) =>
      fits(row) ? evaluateVerifier(model, yesTokens, noId, [row]) : null,
    );
    const scores = scored.map((s) => s?.scores[0] ?? 0);
    const probabilities = scored.map((s) => s?.probabilities[0] ?? 0);
    const heldOut: VerifierEval = {
      samples: heldRows.length,
      positives: heldRows.length === 0 ? 0 : heldRows.filter((r) => r.label === 1).length / heldRows.length,
      accuracy:
        heldRows.length === 0 ? 0 : scored.reduce((sum, s) => sum + (s?.accuracy ?? 0), 0) / heldRows.length,
      auc: rocAuc(
        scores,
        heldRows.map((r) => r.label),
      ),
    };
    const selection = compareSelection(heldSamples, scores, probabilities);
    await log({ type: "final-eval", step, ...heldOut, selection });
    await saveCheckpoint(checkpointPath, {
      header: {
        config,
        chars: data.tokenizer.chars,
        step,
        randomState: random.seedState,
        elapsedMs: elapsed(),
        bestAccuracy: heldOut.accuracy,
        options: resolved,
      },
      params: model.params,
      m: optimizer.m,
      v: optimizer.v,
    });
    let ggufPath: string | undefined;
    if (options.exportGguf ?? true) {
      ggufPath = join(outDir, "model.gguf");
      await exportGguf(ggufPath, model, data.tokenizer, {
        name: `deliberate-lab-${sft.task}-d${sft.difficulty}-verifier`,
        description: `lab outcome verifier for synthetic:${sft.task} difficulty ${sft.difficulty}: scores "${YES_VERDICT}" after deliberate's reward-model prompt; ${step} steps, held-out AUC ${heldOut.auc.toFixed(3)}`,
      });
    }
    await log({ type: "stop", step, reason: stopReason, elapsedMs: Math.round(elapsed()) });
    return {
      stopReason,
      steps: step,
      firstLoss,
      finalLoss,
      trainSamples: usable.length,
      heldOut,
      selection,
      config,
      elapsedMs: elapsed(),
      checkpointPath,
      logPath,
      samplesPath,
      ggufPath,
    };
  } finally {
    await pool.close();
  }
}

export interface VerifierScores {
  /** exp(mean logprob of the yes verdict): what `rewardModel()` (reduce `mean`) returns. */
  scores: number[];
  /** exp(summed logprob of the yes verdict) ≈ P(first yes token): the verifier's P(correct). */
  probabilities: number[];
  /** Share of rows whose first verdict token is judged right (yes-token vs. no-token logit). */
  accuracy: number;
  /** Mean −log P(the row's own first verdict token): the loss on the one token that decides. */
  decisionLoss: number;
  auc: number;
}

/**
 * Teacher-forces the yes verdict (`yesTokens`) after each row's prompt with the KV-cache decoder;
 * `noId` is the first token of the no verdict.
 */
export function evaluateVerifier(
  model: LlamaModel,
  yesTokens: number[],
  noId: number,
  rows: VerifierRow[],
): VerifierScores {
  const decoder = new KvCacheDecoder(model);
  let right = 0;
  let decisionLoss = 0;
  const probabilities: number[] = [];
  const scores = rows.map((row) => {
    decoder.reset();
    let logits = decoder.logits;
    for (const token of row.prompt) logits = decoder.step(token);
    if (logits[yesTokens[0]] > logits[noId] === (row.label === 1)) right++;
    decisionLoss -= logSoftmaxAt(logits, row.solution[0]);
    let logprob = 0;
    for (let i = 0; i < yesTokens.length; i++) {
      logprob += logSoftmaxAt(logits, yesTokens[i]);
      if (i + 1 < yesTokens.length) logits = decoder.step(yesTokens[i]);
    }
    probabilities.push(Math.exp(logprob));
    return Math.exp(logprob / yesTokens.length);
  });
  return {
    scores,
    probabilities,
    accuracy: rows.length === 0 ? 0 : right / rows.length,
    decisionLoss: rows.length === 0 ? 0 : decisionLoss / rows.length,
    auc: rocAuc(
      scores,
      rows.map((r) => r.label),
    ),
  };
}

function logSoftmaxAt(logits: Float32Array, index: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[index] - max - Math.log(sum);
}

/** Fisher–Yates on a copy. */
function shuffled<T>(items: T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
