/**
 * Where an SFT run's data and first weights come from: a synthetic task's generator or a data file
 * (the distill pipeline's `sft.jsonl`, see sft-file-data.ts), from scratch or continuing from a
 * checkpoint (`init`: its shape and vocabulary, and its weights as the start).
 *
 * The vocabulary is the task's alphabet, or the data's characters — with a task too, their union, so
 * the checkpoint tokenizes that task's problems as a task-trained model would — or, from a checkpoint,
 * the checkpoint's, which must then cover every character the run trains on.
 */
import { DeliberateError } from "../../errors.ts";
import type { SyntheticItem, SyntheticName } from "../../tasks/index.ts";
import type { LlamaConfig } from "../model/config.ts";
import { buildSftFileData } from "../tasks/sft-file-data.ts";
import { buildTaskData, type TaskData } from "../tasks/task-data.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { loadCheckpoint } from "./checkpoint.ts";
import { reward } from "./grpo-reward.ts";

export interface SftSourceOptions {
  task?: SyntheticName;
  difficulty: number;
  fromDifficulty: number;
  trainSize: number;
  /** Held-out problems; undefined: the task's 200, or 5% of a file's questions (at most 100). */
  validSize?: number;
  seed: number;
  /** A JSONL file of `SftRow`s. */
  data?: string;
  /** A checkpoint to continue from. */
  init?: string;
  /** The model's shape when training from scratch (a checkpoint brings its own). */
  shape: Omit<LlamaConfig, "vocabSize">;
}

export interface SftSource {
  data: TaskData;
  config: LlamaConfig;
  /** The checkpoint's weights to start from; absent: a fresh initialisation. */
  initParams?: Float32Array;
  /** How a generated solution is graded; absent: the synthetic task's own check (`isCorrect`). */
  correct?: (item: SyntheticItem, output: string) => boolean;
  /** What the run's options record about its data (file, fingerprint, held-out size). */
  record: Record<string, unknown>;
  /** What the `start` log record says about the data. */
  startRecord: Record<string, unknown>;
}

export async function resolveSftSource(options: SftSourceOptions): Promise<SftSource> {
  const { task, difficulty, fromDifficulty, trainSize, seed, data: path, init } = options;
  if (task === undefined && path === undefined) {
    throw new DeliberateError("BAD_REQUEST", "SFT needs a `task` or a `data` file to train on", {
      param: "task",
    });
  }
  const start = init === undefined ? undefined : await loadCheckpoint(init);
  const fixed = start && new CharTokenizer(start.header.chars);
  const contextLength = start?.header.config.contextLength ?? options.shape.contextLength;
  const taskOptions = { difficulty, fromDifficulty, trainSize, seed, contextLength };
  let data: TaskData;
  let record: Record<string, unknown> = {};
  let startRecord: Record<string, unknown> = {};
  let correct: SftSource["correct"];
  if (path !== undefined) {
    // The task contributes only its alphabet; validation is the file's held-out questions.
    const extraChars =
      task !== undefined && !fixed ? buildTaskData({ task, ...taskOptions }).tokenizer.chars : undefined;
    const file = await buildSftFileData({
      path,
      contextLength,
      validSize: options.validSize,
      seed,
      tokenizer: fixed,
      extraChars,
    });
    data = file;
    // The grader on the `#### ` line: a file's gold answers are written however its source wrote them.
    correct = (item, output) => reward(item, output) === 1;
    record = { data: path, dataFingerprint: file.fingerprint, validSize: file.valid.length };
    startRecord = {
      dataRows: file.rows,
      answerOnlyRows: file.answerOnly,
      withoutAnswerLine: file.withoutAnswerLine,
    };
  } else {
    data = buildTaskData({
      task: task!,
      ...taskOptions,
      validSize: options.validSize ?? 200,
      tokenizer: fixed,
    });
    if (fixed) {
      const texts = [...data.train, ...data.valid].flatMap((e) => [e.item.question, ...e.item.solutions]);
      const missing = fixed.uncovered(texts);
      if (missing.length > 0) {
        throw new DeliberateError(
          "BAD_REQUEST",
          `\`${task}\` uses character(s) not in the vocabulary of ${init}: ${missing.map((c) => JSON.stringify(c)).join(", ")}`,
          { param: "init" },
        );
      }
    }
    record = { validSize: options.validSize ?? 200 };
  }
  if (data.train.length === 0) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `no \`${task}\` problem at difficulty ${difficulty} fits a context of ${contextLength} tokens`,
      { param: "contextLength" },
    );
  }
  const config: LlamaConfig = start?.header.config ?? {
    ...options.shape,
    vocabSize: data.tokenizer.vocabSize,
  };
  return {
    data,
    config,
    initParams: start?.params,
    correct,
    record: init === undefined ? record : { ...record, init },
    startRecord: {
      trainProblems: data.train.length,
      validProblems: data.valid.length,
      dropped: data.dropped,
      ...startRecord,
    },
  };
}
