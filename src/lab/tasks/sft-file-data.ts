/**
 * SFT data from a file: the distill pipeline's `sft.jsonl` (`SftRow`: question, gold answer, and the
 * verified trace as `solution`) as the lab's `TaskData`, so the SFT stage batches, validates and
 * evaluates it exactly as it does a synthetic task. The sequence is the lab's usual
 *
 *   <s> question "\n" solution </s>
 *
 * and a row without `solution` is answer-only data (question → answer): its target is the lab's
 * answer line `#### ANSWER`. Rows that share a question become one problem with several solutions
 * (one is drawn each time the problem is), as the synthetic tasks' several valid traces are.
 */
import { z } from "zod";
import type { SyntheticItem } from "../../tasks/index.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import {
  type DataLine,
  defaultValidSize,
  readDataFile,
  requireCovered,
  requireFits,
  splitByQuestion,
} from "./data-file.ts";
import { promptText, type TaskData, type TaskExample } from "./task-data.ts";

/** The fields the lab reads from an `SftRow` (src/distill/types.ts); others (id, kind, teacher, …) may be there and are ignored. */
export const sftRowSchema = z.looseObject({
  question: z.string().min(1),
  answer: z.string().min(1),
  solution: z.string().min(1).optional(),
  id: z.string().optional(),
  difficulty: z.number().optional(),
});

type SftFileRow = z.output<typeof sftRowSchema>;

export interface SftFileDataOptions {
  /** The JSONL file. */
  path: string;
  /** The model's context, in tokens: a longer row is an error. */
  contextLength: number;
  /** Held-out questions. Default 5% of the file's distinct questions, between 1 and 100. */
  validSize?: number;
  /** Seed of the held-out split. Default 1. */
  seed?: number;
  /**
   * A fixed vocabulary (continuing from a checkpoint): the data must fit it. Default: a vocabulary of
   * the data's characters and `extraChars`.
   */
  tokenizer?: CharTokenizer;
  /** Characters the vocabulary also gets when it is built from the data (a task's alphabet). */
  extraChars?: string[];
}

export interface SftFileData extends TaskData {
  /** Rows in the file. */
  rows: number;
  /** Rows without a `solution` (trained on `#### ANSWER`). */
  answerOnly: number;
  /** Targets without a `#### ` answer line: greedy accuracy cannot credit what they teach. */
  withoutAnswerLine: number;
  /** The file's fingerprint (see `readDataFile`). */
  fingerprint: string;
}

/** The text a row trains on: its solution, or the answer line for answer-only rows. */
export function sftTarget(row: Pick<SftFileRow, "answer" | "solution">): string {
  return row.solution ?? `#### ${row.answer}`;
}

export async function buildSftFileData(options: SftFileDataOptions): Promise<SftFileData> {
  const { path, contextLength, seed = 1 } = options;
  const file = await readDataFile(path, sftRowSchema);
  const texts = (row: SftFileRow) => [row.question, sftTarget(row)];
  let tokenizer: CharTokenizer;
  if (options.tokenizer) {
    requireCovered(file, texts, options.tokenizer, "the checkpoint");
    tokenizer = options.tokenizer;
  } else {
    tokenizer = CharTokenizer.fromTexts([
      ...(options.extraChars ?? []),
      ...file.lines.flatMap(({ row }) => texts(row)),
    ]);
  }
  const questions = new Set(file.lines.map(({ row }) => row.question)).size;
  const split = splitByQuestion(file, options.validSize ?? defaultValidSize(questions), seed);
  const toExample = (group: DataLine<SftFileRow>[]): TaskExample => {
    const [first] = group;
    const prompt = [CharTokenizer.bosId, ...tokenizer.encode(promptText(first.row.question))];
    const solutions = group.map(({ row, line }) => {
      const ids = [...tokenizer.encode(sftTarget(row)), CharTokenizer.eosId];
      requireFits(path, line, prompt.length + ids.length, contextLength, "the row");
      return ids;
    });
    const item: SyntheticItem = {
      id: first.row.id ?? `${path}:${first.line}`,
      question: first.row.question,
      answer: first.row.answer,
      difficulty: first.row.difficulty ?? 1,
      solutions: group.map(({ row }) => sftTarget(row)),
    };
    return { item, prompt, solutions };
  };
  return {
    tokenizer,
    train: split.train.map(toExample),
    valid: split.valid.map(toExample),
    dropped: 0,
    rows: file.lines.length,
    answerOnly: file.lines.filter(({ row }) => row.solution === undefined).length,
    withoutAnswerLine: file.lines.filter(({ row }) => !sftTarget(row).includes("#### ")).length,
    fingerprint: file.fingerprint,
  };
}
