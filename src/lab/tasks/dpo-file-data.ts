/**
 * DPO data from a file: the distill pipeline's `dpo.jsonl` (`DpoRow`: two rollouts of one problem,
 * `chosen` accepted by the grader and `rejected` refused) as token-id pairs in the lab's format
 * (`<s>` question "\n" then the rollout and `</s>`), in the vocabulary of the SFT checkpoint DPO
 * starts from. Held-out questions give the validation pairs and, with their gold `answer`, the
 * problems greedy accuracy is measured on.
 */
import { z } from "zod";
import type { SyntheticItem } from "../../tasks/index.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import {
  type DataLine,
  dataError,
  defaultValidSize,
  readDataFile,
  requireCovered,
  requireFits,
  splitByQuestion,
} from "./data-file.ts";
import { promptText, type TaskExample } from "./task-data.ts";

/** The fields the lab reads from a `DpoRow` (src/distill/types.ts); others (id, teacher) are ignored. */
export const dpoRowSchema = z.looseObject({
  question: z.string().min(1),
  answer: z.string().min(1),
  chosen: z.string().min(1),
  rejected: z.string().min(1),
  id: z.string().optional(),
});

type DpoFileRow = z.output<typeof dpoRowSchema>;

/** One preference pair as ids. */
export interface DpoPair {
  /** `<s>` question "\n". */
  prompt: number[];
  /** The accepted rollout and `</s>`. */
  chosen: number[];
  /** The refused rollout and `</s>`. */
  rejected: number[];
  /** Its line in the file. */
  line: number;
}

export interface DpoFileDataOptions {
  path: string;
  /** The SFT checkpoint's vocabulary: the data must fit it. */
  tokenizer: CharTokenizer;
  /** The model's context: a longer prompt + rollout is an error. */
  contextLength: number;
  /** Held-out questions. Default 5% of the file's distinct questions, between 1 and 100. */
  validSize?: number;
  /** Seed of the held-out split. Default 1. */
  seed?: number;
}

export interface DpoFileData {
  train: DpoPair[];
  /** Every pair of the held-out questions. */
  valid: DpoPair[];
  /** One problem per held-out question (its gold answer; the chosen rollouts as solutions), for greedy accuracy. */
  validProblems: TaskExample[];
  rows: number;
  /** The file's fingerprint (see `readDataFile`). */
  fingerprint: string;
}

export async function buildDpoFileData(options: DpoFileDataOptions): Promise<DpoFileData> {
  const { path, tokenizer, contextLength, seed = 1 } = options;
  const file = await readDataFile(path, dpoRowSchema);
  requireCovered(file, (row) => [row.question, row.chosen, row.rejected], tokenizer, "the init checkpoint");
  const questions = new Set(file.lines.map(({ row }) => row.question)).size;
  const split = splitByQuestion(file, options.validSize ?? defaultValidSize(questions), seed);
  const toPair = ({ row, line }: DataLine<DpoFileRow>): DpoPair => {
    if (row.chosen === row.rejected) throw dataError(path, line, "`chosen` and `rejected` are the same text");
    const prompt = [CharTokenizer.bosId, ...tokenizer.encode(promptText(row.question))];
    const chosen = [...tokenizer.encode(row.chosen), CharTokenizer.eosId];
    const rejected = [...tokenizer.encode(row.rejected), CharTokenizer.eosId];
    requireFits(path, line, prompt.length + chosen.length, contextLength, "the chosen sequence");
    requireFits(path, line, prompt.length + rejected.length, contextLength, "the rejected sequence");
    return { prompt, chosen, rejected, line };
  };
  const validPairs = split.valid.map((group) => group.map(toPair));
  const validProblems = split.valid.map((group, i): TaskExample => {
    const { row, line } = group[0];
    const item: SyntheticItem = {
      id: row.id ?? `${path}:${line}`,
      question: row.question,
      answer: row.answer,
      difficulty: 1,
      solutions: group.map((l) => l.row.chosen),
    };
    const pairs = validPairs[i];
    return { item, prompt: pairs[0].prompt, solutions: pairs.map((p) => p.chosen) };
  });
  return {
    train: split.train.flat().map(toPair),
    valid: validPairs.flat(),
    validProblems,
    rows: file.lines.length,
    fingerprint: file.fingerprint,
  };
}
