/**
 * Training checkpoints in one compact file: a JSON header (config, alphabet, options, counters)
 * followed by the raw float32 parameters and AdamW moments.
 *
 *   "DLAB" | u32 version | u32 headerBytes | header JSON (padded to 4) | params | m | v
 *
 * Saving writes a temp file and renames it over the old one: rename is atomic, so a kill -9 at any
 * moment leaves either the previous checkpoint or the new one, never a torn file.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { DeliberateError } from "../../errors.ts";
import type { SyntheticName } from "../../tasks/index.ts";
import { type LlamaConfig, parameterCount } from "../model/config.ts";
import { buildTaskData, type TaskData } from "../tasks/task-data.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";

const MAGIC = "DLAB";
const VERSION = 1;

export interface CheckpointHeader {
  config: LlamaConfig;
  /** The tokenizer's alphabet (CharTokenizer.chars). */
  chars: string[];
  /** Optimiser steps taken. */
  step: number;
  /** Random generator state for batch sampling, so a resumed run draws the same batches. */
  randomState: number;
  /** Training wall time so far, in ms (excluding time before a resume). */
  elapsedMs: number;
  /** Best validation greedy accuracy seen so far. */
  bestAccuracy: number;
  /** The resolved training options, for reproducibility. */
  options: Record<string, unknown>;
}

export interface Checkpoint {
  header: CheckpointHeader;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

export async function saveCheckpoint(path: string, { header, params, m, v }: Checkpoint): Promise<void> {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const headerBytes = Math.ceil(json.length / 4) * 4;
  const prefix = Buffer.alloc(12 + headerBytes, 0x20);
  prefix.write(MAGIC, 0, "latin1");
  prefix.writeUInt32LE(VERSION, 4);
  prefix.writeUInt32LE(headerBytes, 8);
  json.copy(prefix, 12);
  const body = (array: Float32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, Buffer.concat([prefix, body(params), body(m), body(v)]));
  await rename(temp, path);
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new DeliberateError("MODEL_NOT_FOUND", `no checkpoint at ${path}`, { cause: error });
  }
  if (bytes.length < 12 || bytes.toString("latin1", 0, 4) !== MAGIC || bytes.readUInt32LE(4) !== VERSION) {
    throw new DeliberateError("MODEL_INVALID", `${path} is not a version-${VERSION} lab checkpoint`);
  }
  const headerBytes = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.toString("utf8", 12, 12 + headerBytes)) as CheckpointHeader;
  const start = 12 + headerBytes;
  // params, m and v: three arrays of the size the config implies.
  const size = parameterCount(header.config);
  if (bytes.length - start !== 3 * size * 4) {
    throw new DeliberateError("MODEL_INVALID", `${path} is truncated`);
  }
  // Copy out of the file buffer: its offset need not be 4-byte aligned.
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
  return { header, params: all.slice(0, size), m: all.slice(size, 2 * size), v: all.slice(2 * size) };
}

/** The task options an SFT run saved in its checkpoint header (also nested under `sft` by later stages). */
export interface SftTaskOptions {
  /** Absent when the run trained on a data file alone. */
  task?: SyntheticName;
  difficulty: number;
  fromDifficulty?: number;
  trainSize: number;
  validSize: number;
  seed: number;
  /** The data file the run trained on (its `validSize` then counts the file's held-out questions). */
  data?: string;
}

/**
 * The SFT task a checkpoint was trained on, and its data rebuilt from those options in the
 * checkpoint's vocabulary: what GRPO and the verifier start from. A run on a data file counts when it
 * also named a task (its vocabulary then covers the task's). Refuses a checkpoint whose vocabulary
 * lacks a character of the task.
 */
export function checkpointTask(
  start: Checkpoint,
  path: string,
): { sft: SftTaskOptions & { task: SyntheticName }; data: TaskData } {
  const sft = (start.header.options.sft ?? start.header.options) as SftTaskOptions;
  const { task } = sft;
  if (task === undefined) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `${path} was trained on the data file ${sft.data ?? "?"} without a task; this stage needs a checkpoint trained on (or with) a synthetic task`,
      { param: "init" },
    );
  }
  const tokenizer = new CharTokenizer(start.header.chars);
  const data = buildTaskData({
    task,
    difficulty: sft.difficulty,
    fromDifficulty: sft.fromDifficulty,
    seed: sft.seed,
    // A data run's sizes are its file's; the task's problems come in the task's default numbers.
    ...(sft.data === undefined ? { trainSize: sft.trainSize, validSize: sft.validSize } : {}),
    contextLength: start.header.config.contextLength,
    tokenizer,
  });
  const texts = [...data.train, ...data.valid].flatMap((e) => [e.item.question, ...e.item.solutions]);
  if (tokenizer.uncovered(texts).length > 0) {
    throw new DeliberateError("BAD_REQUEST", `${path} does not match its task's vocabulary`, {
      param: "init",
    });
  }
  return { sft: { ...sft, task }, data };
}
