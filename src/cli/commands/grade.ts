/**
 * `deliberate grade`: one answer (`--gold G --pred P`) or a JSONL stream (`--jsonl FILE`, `-` for
 * stdin). A thin shell over grade / gradeJsonl, both in a worker pool under `--timeout-ms`.
 */

import { Command, Option } from "commander";
import { DeliberateError } from "../../errors.ts";
import { grade } from "../../grading/grade.ts";
import { gradeJsonl } from "../../grading/grade-jsonl.ts";
import { GradePool } from "../../grading/pool.ts";
import type { AnswerKind, GradeOptions } from "../../grading/types.ts";
import { openJsonlLines, writeLine } from "../open-jsonl.ts";
import { collect, integer } from "../parse-number.ts";

interface GradeFlags {
  gold?: string;
  pred?: string;
  jsonl?: string;
  json?: boolean;
  kind: AnswerKind;
  choice?: string[];
  percentAsFraction?: boolean;
  timeoutMs: number;
  workers?: number;
}

export function gradeCommand(): Command {
  return new Command("grade")
    .description("Grade an answer against a gold answer, or every line of a JSONL file.")
    .option("--gold <answer>", "the gold answer (or a solution with \\boxed{}, ####, ...)")
    .option("--pred <output>", "the model output to grade")
    .option("--jsonl <file>", 'grade lines {"gold", "pred", ...} from a file, or - for stdin')
    .option("--json", "print the full result as JSON")
    .addOption(
      new Option("--kind <kind>", "how answers are read")
        .choices(["math", "number", "choice", "text"])
        .default("math"),
    )
    .option("--choice <text>", "an option text, in letter order (repeatable; for --kind choice)", collect)
    .option("--percent-as-fraction", "read 50% as 0.5 (the default)")
    .option("--no-percent-as-fraction", "read 50% as 50")
    .option("--timeout-ms <ms>", "hard time limit per grading", integer(1), 5000)
    .option("--workers <n>", "worker threads for JSONL mode (default: one per core)", integer(1))
    .action(async (flags: GradeFlags) => {
      const options: GradeOptions = {
        kind: flags.kind,
        ...(flags.choice ? { choices: flags.choice } : {}),
        ...(flags.percentAsFraction === undefined ? {} : { percentAsFraction: flags.percentAsFraction }),
        timeoutMs: flags.timeoutMs,
      };
      if (flags.jsonl !== undefined) {
        await gradeFile(flags.jsonl, options, flags.workers);
        return;
      }
      if (flags.gold === undefined || flags.pred === undefined) {
        throw new DeliberateError("BAD_REQUEST", "give `--gold` and `--pred`, or `--jsonl FILE`", {
          param: "gold",
        });
      }
      // One worker under the time limit: a pathological answer is a "timeout", never a hang.
      const pool = new GradePool({ size: 1 });
      const result = await grade(flags.pred, flags.gold, { ...options, pool }).finally(() => pool.close());
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      // First line: correct or incorrect; the full verdict (unparseable, error, ...) follows.
      process.stdout.write(
        `${result.correct ? "correct" : "incorrect"}\nextracted: ${result.predicted ?? "(none)"}\ngold: ${result.gold ?? "(none)"}\nverdict: ${result.verdict}\nmethod: ${result.method} (${result.reason})\n`,
      );
    });
}

async function gradeFile(path: string, options: GradeOptions, workers: number | undefined): Promise<void> {
  const lines = await openJsonlLines(path);
  const pool = new GradePool(workers === undefined ? {} : { size: workers });
  try {
    const summary = await gradeJsonl(lines, writeLine, { pool, grade: options });
    if (summary.malformed > 0) process.stderr.write(`deliberate: ${summary.malformed} malformed line(s)\n`);
  } finally {
    await pool.close();
  }
}
