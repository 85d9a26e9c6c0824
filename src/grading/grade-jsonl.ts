/**
 * Grading a JSONL stream: each line `{"gold", "pred", ...}` comes back with `verdict` (true/false),
 * `extracted`, `status` (the full Verdict) and `method`, in input order, other fields kept. Lines are
 * graded in a GradePool (all cores, hard time limit each) while later lines are still being read.
 * A malformed line becomes `{"line": N, "error": "..."}` and the rest go on.
 */
import { z } from "zod";
import { describeIssue } from "../util/parse-or-bad-request.ts";
import type { GradePool } from "./pool.ts";
import type { AnswerKind, GradeOptions, GradeResult } from "./types.ts";

export interface GradeJsonlOptions {
  /** The pool that grades the lines. */
  pool: GradePool;
  /** Options for every line; a line's own `kind`, `choices`, `percentAsFraction`,
   * `tolerance` and `precision` (decimal places, as Math-Verify's `float_rounding`) fields override them. */
  grade?: GradeOptions;
  /** Lines graded ahead of the one being written (bounds memory on huge inputs). Default 1024. */
  window?: number;
}

export interface GradeJsonlSummary {
  lines: number;
  correct: number;
  malformed: number;
}

const KINDS = ["math", "number", "choice", "text", "code"] as const satisfies readonly AnswerKind[];
const answer = z
  .union([z.string(), z.number()], { error: "expected a string or a number" })
  .transform(String);
const LineSchema = z.looseObject({
  gold: answer,
  // A missing model output (null) is graded, as "unparseable", rather than rejected.
  pred: z.union([answer, z.null().transform(() => "")]),
  kind: z.enum(KINDS).optional(),
  choices: z.array(z.string()).optional(),
  percentAsFraction: z.boolean().optional(),
  tolerance: z.number().positive().optional(),
  /** Math-Verify's `float_rounding`: decimal places compared (2 → tolerance 1e-2). */
  precision: z.number().int().min(0).max(15).optional(),
});

type Pending = Promise<{ text: string; correct: boolean; malformed: boolean }>;

function gradeLine(line: string, lineNumber: number, options: GradeJsonlOptions): Pending {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return Promise.resolve(malformed(lineNumber, `not valid JSON (${(error as Error).message})`));
  }
  const parsed = LineSchema.safeParse(value);
  if (!parsed.success) {
    return Promise.resolve(malformed(lineNumber, describeIssue(parsed.error, { noun: "" }).message));
  }
  const record = parsed.data;
  const gradeOptions: GradeOptions = {
    ...options.grade,
    ...(record.kind ? { kind: record.kind } : {}),
    ...(record.choices ? { choices: record.choices } : {}),
    ...(record.percentAsFraction === undefined ? {} : { percentAsFraction: record.percentAsFraction }),
    ...(record.precision === undefined ? {} : { tolerance: 10 ** -record.precision }),
    ...(record.tolerance === undefined ? {} : { tolerance: record.tolerance }),
  };
  return options.pool.grade(record.pred, record.gold, gradeOptions).then((result: GradeResult) => ({
    text: JSON.stringify({
      ...(value as Record<string, unknown>),
      verdict: result.correct,
      extracted: result.predicted,
      status: result.verdict,
      method: result.method,
    }),
    correct: result.correct,
    malformed: false,
  }));
}

function malformed(lineNumber: number, message: string) {
  return {
    text: JSON.stringify({ line: lineNumber, error: `line ${lineNumber}: ${message}` }),
    correct: false,
    malformed: true,
  };
}

/** Grades every line of `lines`, calling `write` with each output line (no newline) in input order. */
export async function gradeJsonl(
  lines: AsyncIterable<string>,
  write: (line: string) => void | Promise<void>,
  options: GradeJsonlOptions,
): Promise<GradeJsonlSummary> {
  const window = options.window ?? 1024;
  const summary: GradeJsonlSummary = { lines: 0, correct: 0, malformed: 0 };
  const pending: Pending[] = [];
  const flush = async () => {
    const done = await pending.shift()!;
    summary.lines++;
    if (done.correct) summary.correct++;
    if (done.malformed) summary.malformed++;
    await write(done.text);
  };
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim().length === 0) continue;
    pending.push(gradeLine(line, lineNumber, options));
    if (pending.length >= window) await flush();
  }
  while (pending.length > 0) await flush();
  return summary;
}
