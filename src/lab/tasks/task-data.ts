/**
 * Training and validation data for a synthetic task (src/tasks): problems with several
 * valid step-by-step solutions. One training sequence is
 *
 *   <s> question "\n" solution </s>
 *
 * with loss only on the solution and </s> (the model learns to answer, not to ask). Raw prompts,
 * no chat template: at inference the prompt is `question + "\n"` after the <s> llama.cpp adds.
 * Each time a problem is drawn, one of its solutions is picked at random, so the model learns every
 * valid order of steps; that diversity is what lets majority voting beat greedy decoding.
 */
import {
  checkCountdown,
  generateSynthetic,
  type SyntheticItem,
  type SyntheticName,
} from "../../tasks/index.ts";
import type { Random } from "../random.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";

export interface TaskDataOptions {
  /** Synthetic generator name. */
  task: SyntheticName;
  /** Generator difficulty, >= 1: validation is at this level. Default 1. */
  difficulty?: number;
  /**
   * Train on every level from this one up to `difficulty`, in equal shares (a curriculum by mixture:
   * easy levels teach the steps, hard ones chain them). Default `difficulty`: that level only.
   */
  fromDifficulty?: number;
  /** Training problems. Default 20 000. */
  trainSize?: number;
  /** Held-out problems for validation accuracy. Default 200. */
  validSize?: number;
  /** Seed of the training set; validation uses `seed + 1`, and its questions are removed from training. Default 1. */
  seed?: number;
  /** Longest sequence kept, in tokens (<s> and </s> included): the model's context. */
  contextLength: number;
  /**
   * The vocabulary to encode with (a checkpoint's, whose alphabet may be wider than this task's: a
   * model trained on a data file and this task). Default: the alphabet of this task's problems.
   */
  tokenizer?: CharTokenizer;
}

export interface TaskExample {
  item: SyntheticItem;
  /** <s> question "\n" as ids. */
  prompt: number[];
  /** Each solution followed by </s>, as ids. */
  solutions: number[][];
}

export interface TaskData {
  tokenizer: CharTokenizer;
  train: TaskExample[];
  valid: TaskExample[];
  /** Problems dropped because even their shortest solution did not fit the context. */
  dropped: number;
}

/** The prompt text the model continues. */
export function promptText(question: string): string {
  return `${question}\n`;
}

export function buildTaskData(options: TaskDataOptions): TaskData {
  const { task, difficulty = 1, trainSize = 20_000, validSize = 200, seed = 1, contextLength } = options;
  const fromDifficulty = Math.min(options.fromDifficulty ?? difficulty, difficulty);
  // Held-out questions come first and are removed from training, so validation always has
  // `validSize` unseen problems, even on easy tasks whose question space training nearly covers.
  const validItems = generateSynthetic(task, { difficulty, n: validSize, seed: seed + 1 });
  const held = new Set(validItems.map((item) => item.question));
  const levels = Array.from({ length: difficulty - fromDifficulty + 1 }, (_, i) => fromDifficulty + i);
  const trainItems = levels
    .flatMap((level) =>
      generateSynthetic(task, { difficulty: level, n: Math.ceil(trainSize / levels.length), seed }),
    )
    .filter((item) => !held.has(item.question));
  const tokenizer =
    options.tokenizer ??
    CharTokenizer.fromTexts(
      [...trainItems, ...validItems].flatMap((item) => [item.question, ...item.solutions]),
    );
  let dropped = 0;
  const toExamples = (items: SyntheticItem[]) =>
    items.flatMap((item) => {
      const prompt = [CharTokenizer.bosId, ...tokenizer.encode(promptText(item.question))];
      const solutions = item.solutions
        .map((solution) => [...tokenizer.encode(solution), CharTokenizer.eosId])
        .filter((solution) => prompt.length + solution.length <= contextLength);
      if (solutions.length === 0) {
        dropped++;
        return [];
      }
      return [{ item, prompt, solutions }];
    });
  return { tokenizer, train: toExamples(trainItems), valid: toExamples(validItems), dropped };
}

export interface Batch {
  tokens: Int32Array;
  targets: Int32Array;
  B: number;
  T: number;
  /** Tokens with a target (what the loss averages over). */
  targetCount: number;
}

// Batches are padded to a multiple of this many positions so only a few activation shapes exist.
const LENGTH_BUCKET = 16;

/** B examples drawn at random, each with one of its solutions at random. */
export function sampleBatch(
  examples: TaskExample[],
  B: number,
  contextLength: number,
  random: Random,
): Batch {
  const rows: BatchRow[] = [];
  for (let b = 0; b < B; b++) {
    const example = examples[random.int(examples.length)];
    rows.push({ prompt: example.prompt, solution: example.solutions[random.int(example.solutions.length)] });
  }
  return makeBatch(rows, contextLength);
}

export interface BatchRow {
  prompt: number[];
  solution: number[];
}

/** Packs rows into a batch padded with </s>; targets are −1 on the prompt and the padding. */
export function makeBatch(rows: BatchRow[], contextLength: number): Batch {
  const B = rows.length;
  const longest = Math.max(...rows.map((row) => row.prompt.length + row.solution.length));
  // Input is the sequence without its last token; the target at t is token t+1.
  const T = Math.min(contextLength, Math.ceil((longest - 1) / LENGTH_BUCKET) * LENGTH_BUCKET);
  const tokens = new Int32Array(B * T).fill(CharTokenizer.eosId);
  const targets = new Int32Array(B * T).fill(-1);
  let targetCount = 0;
  rows.forEach(({ prompt, solution }, b) => {
    const sequence = [...prompt, ...solution];
    for (let t = 0; t + 1 < sequence.length && t < T; t++) {
      tokens[b * T + t] = sequence[t];
      if (t + 1 >= prompt.length) {
        targets[b * T + t] = sequence[t + 1];
        targetCount++;
      }
    }
  });
  return { tokens, targets, B, T, targetCount };
}

/** The text after the last `#### `, trimmed; null when there is none. */
export function finalAnswer(output: string): string | null {
  const at = output.lastIndexOf("####");
  if (at < 0) return null;
  return output
    .slice(at + 4)
    .split("\n")[0]
    .trim();
}

/** Whether a generated solution ends in a correct answer for `item`. */
export function isCorrect(item: SyntheticItem, output: string): boolean {
  const answer = finalAnswer(output);
  if (answer === null) return false;
  if (item.meta && Array.isArray(item.meta.numbers) && typeof item.meta.target === "number") {
    // Countdown has many right expressions; check the arithmetic, not the string.
    return checkCountdown(item.meta.numbers as number[], item.meta.target, answer);
  }
  return answer === item.answer;
}
