/**
 * Small data files in the distill pipeline's JSONL formats, made from a synthetic generator so their
 * answers are right: `SftRow`s (traces, or answer-only) and `DpoRow`s (the right trace as `chosen`,
 * the same trace ending in a wrong answer as `rejected`).
 */
import { writeFile } from "node:fs/promises";
import type { DpoRow, SftRow } from "../../../src/distill/types.ts";
import { generateSynthetic } from "../../../src/tasks/index.ts";

export interface RowsOptions {
  /** Problems. */
  n: number;
  /** Generator seed. Default 11. */
  seed?: number;
  /** Every k-th row has no `solution` (answer-only). Default 0: none. */
  answerOnlyEvery?: number;
}

export function sftRows({ n, seed = 11, answerOnlyEvery = 0 }: RowsOptions): SftRow[] {
  return generateSynthetic("modular", { n, seed }).map((item, i) => ({
    id: item.id,
    question: item.question,
    answer: item.answer,
    ...(answerOnlyEvery > 0 && i % answerOnlyEvery === 0 ? {} : { solution: item.solutions[0] }),
    kind: "math",
    teacher: "synthetic",
  }));
}

export function dpoRows({ n, seed = 11 }: RowsOptions): DpoRow[] {
  return generateSynthetic("modular", { n, seed }).map((item) => {
    const chosen = item.solutions[0];
    const wrong = String(Number(item.answer) + 1);
    return {
      id: item.id,
      question: item.question,
      answer: item.answer,
      chosen,
      rejected: chosen.replace(/#### .*$/, `#### ${wrong}`),
      teacher: "synthetic",
    };
  });
}

export async function writeJsonl(path: string, rows: object[]): Promise<string> {
  await writeFile(path, `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`);
  return path;
}
