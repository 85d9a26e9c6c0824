/**
 * Reading the distill pipeline's plain JSONL datasets (`SftRow`, `DpoRow` in src/distill/types.ts)
 * for the lab: one JSON object per line, checked against the stage's zod schema, every error naming
 * `file:line` and what is wrong. Also what both data stages share: the held-out split (by question, so
 * no validation question is trained on), and the checks that rows fit the vocabulary and the context.
 */
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { DeliberateError } from "../../errors.ts";
import { fnv1a } from "../../util/fnv1a.ts";
import { describeIssue } from "../../util/parse-or-bad-request.ts";
import { Random } from "../random.ts";
import type { CharTokenizer } from "../tokenizer/char-tokenizer.ts";

/** One parsed row and the 1-based line it came from. */
export interface DataLine<Row> {
  row: Row;
  line: number;
}

export interface DataFile<Row> {
  path: string;
  /** Non-empty lines, in file order. */
  lines: DataLine<Row>[];
  /** `length:fnv1a` of the file's text: a resumed run refuses a file that changed under it. */
  fingerprint: string;
}

/** Reads a JSONL file whose every non-empty line must parse as `schema`. */
export async function readDataFile<Schema extends z.ZodType>(
  path: string,
  schema: Schema,
): Promise<DataFile<z.output<Schema>>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new DeliberateError("BAD_REQUEST", `cannot read the data file ${path}: ${reason}`, {
      param: "data",
      cause: error,
    });
  }
  const lines: DataLine<z.output<Schema>>[] = [];
  text.split("\n").forEach((raw, i) => {
    const source = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (source.trim() === "") return;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw dataError(path, line, `malformed JSON (${(error as Error).message})`, error);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw dataError(path, line, "expected a JSON object");
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw dataError(path, line, describeIssue(parsed.error, { noun: "field" }).message, parsed.error);
    }
    lines.push({ row: parsed.data, line });
  });
  if (lines.length === 0) throw new DeliberateError("BAD_REQUEST", `${path} has no rows`, { param: "data" });
  return { path, lines, fingerprint: `${text.length}:${fnv1a(text).toString(16)}` };
}

/** A `BAD_REQUEST` pointing at a line of a data file. */
export function dataError(path: string, line: number, message: string, cause?: unknown): DeliberateError {
  return new DeliberateError("BAD_REQUEST", `${path}:${line}: ${message}`, { param: "data", cause });
}

// Distilled datasets run from hundreds to tens of thousands of questions: 5% of a small one, and
// never more than the 100 problems an evaluation decodes by default.
const VALID_SHARE = 0.05;
const VALID_MAX = 100;

/** The default held-out size for a file of `questions` distinct questions: 5%, between 1 and 100. */
export function defaultValidSize(questions: number): number {
  return Math.max(1, Math.min(VALID_MAX, Math.round(questions * VALID_SHARE)));
}

export interface QuestionSplit<Row> {
  /** Rows grouped by question, questions in file order. */
  train: DataLine<Row>[][];
  /** The held-out questions' rows, grouped the same way, in a seeded random order. */
  valid: DataLine<Row>[][];
}

/**
 * Holds out `validSize` questions chosen by a seeded shuffle; every row of a held-out question is
 * held out (distilled files keep several traces per question, and one in training would leak it).
 * Rows that repeat a question must repeat its answer: one question is one problem.
 */
export function splitByQuestion<Row extends { question: string; answer: string }>(
  file: DataFile<Row>,
  validSize: number,
  seed: number,
): QuestionSplit<Row> {
  const groups = new Map<string, DataLine<Row>[]>();
  for (const line of file.lines) {
    const group = groups.get(line.row.question);
    if (!group) groups.set(line.row.question, [line]);
    else if (line.row.answer === group[0].row.answer) group.push(line);
    else {
      throw dataError(
        file.path,
        line.line,
        `the question of line ${group[0].line} again, with another answer (${JSON.stringify(line.row.answer)}, not ${JSON.stringify(group[0].row.answer)})`,
      );
    }
  }
  const questions = [...groups.keys()];
  if (!Number.isInteger(validSize) || validSize < 1 || validSize >= questions.length) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`validSize\` must be an integer from 1 to ${questions.length - 1}: ${file.path} has ${questions.length} distinct question(s), and at least one must stay for training (got ${validSize})`,
      { param: "validSize" },
    );
  }
  // Fisher–Yates on the question list; the first validSize are held out.
  const random = new Random(seed * 2_654_435_761 + 17);
  const order = questions.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const held = new Set(order.slice(0, validSize));
  return {
    train: questions.filter((q) => !held.has(q)).map((q) => groups.get(q)!),
    valid: order.slice(0, validSize).map((q) => groups.get(q)!),
  };
}

/**
 * Refuses rows with characters outside a fixed vocabulary (a checkpoint's): they would become byte
 * tokens the model never trained on. Names the characters and the first line with one.
 */
export function requireCovered<Row>(
  file: DataFile<Row>,
  texts: (row: Row) => string[],
  tokenizer: CharTokenizer,
  vocabulary: string,
): void {
  const missing = new Set<string>();
  let first = 0;
  for (const { row, line } of file.lines) {
    const uncovered = tokenizer.uncovered(texts(row));
    if (uncovered.length > 0 && first === 0) first = line;
    for (const c of uncovered) missing.add(c);
  }
  if (missing.size === 0) return;
  const shown = [...missing]
    .slice(0, 10)
    .map((c) => JSON.stringify(c))
    .join(", ");
  throw new DeliberateError(
    "BAD_REQUEST",
    `${file.path}: ${missing.size} character(s) not in the vocabulary of ${vocabulary}: ${shown}${missing.size > 10 ? ", …" : ""} (first on line ${first}); train from scratch, or from a checkpoint whose alphabet covers the data`,
    { param: "data" },
  );
}

/** Refuses a row whose sequence (`<s>` … `</s>`) is longer than the model's context. */
export function requireFits(
  path: string,
  line: number,
  tokens: number,
  contextLength: number,
  what: string,
): void {
  if (tokens <= contextLength) return;
  throw dataError(
    path,
    line,
    `${what} is ${tokens} tokens (<s> and </s> included), longer than the model's context of ${contextLength}; shorten the row, drop it, or train with a longer context`,
  );
}
