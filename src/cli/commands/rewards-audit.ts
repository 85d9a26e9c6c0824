/**
 * `deliberate rewards audit DATASET`: which gold answers of a dataset can never give a meaningful
 * reward (no answer, not equal to itself, ambiguous, unreadable records, code tests missing or not
 * parsing), with counts and line numbers. Exits 1 when any is found, so it can gate an RL pipeline;
 * 0 when the dataset is clean; 2 for a bad flag or an unreadable file. A thin shell over auditDataset.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { FieldMapping } from "../../eval/datasets/layouts.ts";
import { layoutNames } from "../../eval/datasets/layouts.ts";
import { type AuditReport, auditDataset, auditProblems } from "../../rewards/audit.ts";
import { collect, integer } from "../parse-number.ts";

interface AuditFlags {
  json?: boolean;
  layout: (typeof layoutNames)[number] | "auto";
  field?: string[];
  kind?: "math" | "choice" | "text";
  timeoutMs: number;
  workers?: number;
}

const FIELD_NAMES: ReadonlyArray<keyof FieldMapping> = [
  "id",
  "question",
  "answer",
  "solution",
  "choices",
  "tests",
  "difficulty",
  "category",
];

/** Exit status when the audit finds a broken gold (distinct from 2, a usage mistake). */
const EXIT_BROKEN = 1;

function fieldPair(value: string, previous: string[] = []): string[] {
  const [ours] = value.split("=", 1);
  if (!value.includes("=") || !FIELD_NAMES.includes(ours as keyof FieldMapping)) {
    throw new InvalidArgumentError(`expected OURS=THEIRS with OURS one of ${FIELD_NAMES.join(", ")}`);
  }
  return collect(value, previous);
}

export function rewardsAuditCommand(): Command {
  return new Command("audit")
    .description(
      "Check a dataset's gold answers before an RL run: no answer, not equal to itself, ambiguous, unreadable. Exits 1 when any is broken.",
    )
    .argument("<dataset>", "a JSONL, JSON, CSV or Parquet file (or synthetic:NAME?...)")
    .option("--json", "print the report as JSON")
    .addOption(
      new Option("--layout <name>", "record layout (default: detected from the first record)")
        .choices([...layoutNames, "auto"])
        .default("auto"),
    )
    .option("--field <ours=theirs>", "field mapping, e.g. answer=solution (repeatable)", fieldPair)
    .addOption(new Option("--kind <kind>", "task kind of plain records").choices(["math", "choice", "text"]))
    .option("--timeout-ms <ms>", "hard time limit for grading each gold against itself", integer(1), 5000)
    .option("--workers <n>", "grading worker threads (default: one per core, at most 8)", integer(1))
    .action(async (dataset: string, flags: AuditFlags) => {
      const fields = Object.fromEntries(
        (flags.field ?? []).map((pair) => [
          pair.slice(0, pair.indexOf("=")),
          pair.slice(pair.indexOf("=") + 1),
        ]),
      ) as FieldMapping;
      const report = await auditDataset(dataset, {
        layout: flags.layout,
        ...(flags.field ? { fields } : {}),
        ...(flags.kind ? { kind: flags.kind } : {}),
        timeoutMs: flags.timeoutMs,
        ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      });
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(dataset, report),
      );
      if (report.broken > 0) process.exitCode = EXIT_BROKEN;
    });
}

/** `gsm8k.jsonl: 2 of 120 gold answers broken (no-answer 1, ambiguous 1)`, then one line per finding. */
export function formatReport(dataset: string, report: AuditReport): string {
  const counts = auditProblems
    .filter((p) => report.counts[p] > 0)
    .map((p) => `${p} ${report.counts[p]}`)
    .join(", ");
  const head =
    report.broken === 0
      ? `${dataset}: all ${report.items} gold answers check out\n`
      : `${dataset}: ${report.broken} of ${report.items} gold answers broken (${counts})\n`;
  const lines = report.findings.map((f) => {
    const where = f.line === undefined ? `item ${f.index + 1}` : `${report.lineUnit} ${f.line}`;
    const id = f.id === undefined ? "" : ` (id ${f.id})`;
    return `  ${where}${id}: ${f.problem}: ${f.reason}${f.gold ? ` — gold ${JSON.stringify(f.gold)}` : ""}\n`;
  });
  return head + lines.join("");
}
