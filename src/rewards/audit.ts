/**
 * The gold-answer audit to run before an RL run: which gold answers can never give a meaningful
 * reward. A gold with no answer in it, one that does not grade equal to itself, one that names
 * several answers ("3 or 4", two different `\boxed{}`), a record the dataset layout cannot read, or
 * code tests that are missing or do not parse. Each finding names the item by its line (JSONL, CSV),
 * element (JSON) or row (Parquet) and its id.
 */
import { basename, extname } from "node:path";
import { DeliberateError } from "../errors.ts";
import { detectLayout, type FieldMapping, type LayoutName, toItem } from "../eval/datasets/layouts.ts";
import { loadDataset } from "../eval/datasets/load-dataset.ts";
import { formatOf, readRecords } from "../eval/datasets/read-records.ts";
import type { EvalItem } from "../eval/types.ts";
import { boxedMatches } from "../grading/boxed.ts";
import { GradePool } from "../grading/pool.ts";
import type { AnswerKind } from "../grading/types.ts";
import { closeSandboxes } from "../sandbox/run-code.ts";
import type { CodeTests } from "../sandbox/types.ts";
import { type GoldCheck, GoldChecker, type GoldProblem } from "./gold-check.ts";

/**
 * What is wrong with a gold: a gold-check problem (see GoldProblem), `ambiguous` (several answers in
 * one gold), or `invalid` (the dataset layout could not read the record: no answer field, a choice
 * answer that is not among the choices).
 */
export type AuditProblem = GoldProblem | "ambiguous" | "invalid";

export const auditProblems: readonly AuditProblem[] = [
  "invalid",
  "no-answer",
  "not-self-equal",
  "unchecked",
  "ambiguous",
  "no-tests",
  "tests-unparseable",
];

export interface AuditItem {
  id?: string;
  /** The gold answer (ignored for code, whose tests are its gold). */
  gold: string;
  /** Default `math`. */
  kind?: "math" | "choice" | "code" | "text";
  choices?: string[];
  tests?: CodeTests;
  /** Where the item came from in its file, 1-based (a line, a JSON element, a Parquet row). */
  line?: number;
}

export interface AuditFinding {
  /** 0-based position among the audited items. */
  index: number;
  id?: string;
  line?: number;
  problem: AuditProblem;
  /** The gold as written (cut at 200 characters). */
  gold: string;
  reason: string;
}

export interface AuditReport {
  /** Items audited. */
  items: number;
  /** Items with a finding (one finding per item: the first problem found). */
  broken: number;
  counts: Record<AuditProblem, number>;
  findings: AuditFinding[];
  /** What `line` counts: `line` (JSONL, CSV), `element` (JSON), `row` (Parquet); `item` when unknown. */
  lineUnit: "line" | "element" | "row" | "item";
}

export interface AuditGoldOptions {
  /** Time limit for grading a gold against itself (and running code tests), in ms. Default 5000. */
  timeoutMs?: number;
  /** A pool to grade in; default a pool of the audit's own, closed at the end. */
  pool?: GradePool;
  /** Worker threads for the audit's own pool. Default: one per core, at most 8. */
  workers?: number;
}

/** Golds checked at once: bounds the promises held on a large dataset. */
const CHUNK = 1024;
/** Gold text kept in a finding. */
const GOLD_SHOWN = 200;
/** A hedge between values ("3 or 4", "either 3 or 4", "maybe 5"). */
const HEDGE = /\b(?:or|either|maybe|perhaps|possibly)\b/i;
/** Relations, where "or" joins conditions ("x < 1 or x > 3", "x = 3 or x = 4") into one answer. */
const RELATION = /[<>=≤≥≠]|\\(?:le|ge|leq|geq|lt|gt|ne|neq|in)\b/;
/** Longest gold read as a bare answer (grading's limit); longer ones are solutions with prose. */
const BARE_GOLD_CHARS = 300;

/**
 * Several answers in one gold: different `\boxed{}` contents, or a hedge between values. A list
 * ("1, 2") is one answer (a set), and "or" between relations is one condition.
 */
export function ambiguity(gold: string, answer: string): string | null {
  const boxes = [...new Set(boxedMatches(gold).map((b) => b.content.trim()))].filter(Boolean);
  if (boxes.length > 1) return `several different \\boxed{} answers: ${boxes.join(" | ")}`;
  const hedged = [answer, ...(gold.length <= BARE_GOLD_CHARS ? [gold] : [])].find(
    (text) => HEDGE.test(text) && !RELATION.test(text),
  );
  return hedged === undefined ? null : `a hedge between answers: ${JSON.stringify(clip(hedged))}`;
}

/** Audits the gold of every item; `lineUnit` says what the items' `line` counts. */
export async function auditGold(
  items: readonly AuditItem[],
  options: AuditGoldOptions & { lineUnit?: AuditReport["lineUnit"] } = {},
): Promise<AuditReport> {
  const { timeoutMs = 5000, workers, lineUnit = "item" } = options;
  const pool =
    options.pool ?? new GradePool({ timeoutMs, ...(workers === undefined ? {} : { size: workers }) });
  const checker = new GoldChecker({ pool, timeoutMs });
  const findings: AuditFinding[] = [];
  let ranCode = false;
  try {
    for (let start = 0; start < items.length; start += CHUNK) {
      const chunk = items.slice(start, start + CHUNK);
      const found = await Promise.all(
        chunk.map(async (item, offset) => {
          if ((item.kind ?? "math") === "code") ranCode = true;
          const problem = await auditOne(item, checker);
          return (
            problem && { ...locate(item, start + offset), ...problem, gold: clip(String(item.gold ?? "")) }
          );
        }),
      );
      for (const finding of found) if (finding) findings.push(finding);
    }
  } finally {
    if (!options.pool) await pool.close();
    if (ranCode) await closeSandboxes();
  }
  return report(items.length, findings, lineUnit);
}

async function auditOne(
  item: AuditItem,
  checker: GoldChecker,
): Promise<Pick<AuditFinding, "problem" | "reason"> | null> {
  const kind = item.kind ?? "math";
  if (kind === "code") {
    const check = await checker.checkTests(item.tests ?? { language: "javascript", code: "" });
    return failed(check);
  }
  const gold = String(item.gold ?? "");
  const answerKind: AnswerKind = kind;
  const check = await checker.checkAnswer(gold, answerKind, kind === "choice" ? item.choices : undefined);
  if (!check.ok) return failed(check);
  if (kind !== "math") return null;
  const why = ambiguity(gold, check.answer ?? "");
  return why === null ? null : { problem: "ambiguous", reason: why };
}

function failed(check: GoldCheck): Pick<AuditFinding, "problem" | "reason"> | null {
  return check.ok ? null : { problem: check.problem, reason: check.reason };
}

function locate(item: AuditItem, index: number): Pick<AuditFinding, "index" | "id" | "line"> {
  return {
    index,
    ...(item.id === undefined ? {} : { id: item.id }),
    ...(item.line === undefined ? {} : { line: item.line }),
  };
}

function report(items: number, findings: AuditFinding[], lineUnit: AuditReport["lineUnit"]): AuditReport {
  const counts = Object.fromEntries(auditProblems.map((p) => [p, 0])) as Record<AuditProblem, number>;
  for (const finding of findings) counts[finding.problem]++;
  return { items, broken: findings.length, counts, findings, lineUnit };
}

const clip = (text: string) => (text.length > GOLD_SHOWN ? `${text.slice(0, GOLD_SHOWN)}…` : text);

export interface AuditDatasetOptions extends AuditGoldOptions {
  /** Record layout; `auto` (default) guesses from the first record, as the eval harness does. */
  layout?: LayoutName | "auto";
  /** Field names that differ from the layout's defaults. */
  fields?: FieldMapping;
  /** Task kind for `plain` records. Default `math`. */
  kind?: EvalItem["kind"];
}

const LINE_UNITS = { jsonl: "line", csv: "line", json: "element", parquet: "row" } as const;

/**
 * Audits a dataset file (JSONL, JSON, CSV, Parquet) or a `synthetic:` spec, read with the eval
 * harness's readers and layouts. Unlike `loadDataset`, a record the layout refuses is a finding
 * (`invalid`, with its line), not the end of the audit.
 */
export async function auditDataset(spec: string, options: AuditDatasetOptions = {}): Promise<AuditReport> {
  const { layout = "auto", fields, kind, ...gold } = options;
  if (spec.startsWith("synthetic:")) {
    const dataset = await loadDataset(spec);
    return auditGold(dataset.items, gold);
  }
  const lineUnit = LINE_UNITS[formatOf(spec)];
  const records = await readRecords(spec);
  const chosen: LayoutName =
    layout === "auto" ? (records[0] ? detectLayout(records[0].fields) : "plain") : layout;
  const name = basename(spec, extname(spec));
  const items: AuditItem[] = [];
  const invalid: AuditFinding[] = [];
  records.forEach((record, index) => {
    try {
      const item = toItem(record, { path: spec, name, index, layout: chosen, fields, kind });
      items.push({ ...item, line: record.line });
    } catch (error) {
      if (!DeliberateError.isInstance(error)) throw error;
      const id = record.fields[fields?.id ?? "id"];
      invalid.push({
        index,
        ...(typeof id === "string" || typeof id === "number" ? { id: String(id) } : {}),
        line: record.line,
        problem: "invalid",
        gold: "",
        // The layout's message starts with `path:line: `; the finding says where already.
        reason: error.message.replace(`${spec}:${record.line}: `, ""),
      });
    }
  });
  const checked = await auditGold(items, { ...gold, lineUnit });
  // Findings index the dataset's records, not the readable subset.
  const byLine = new Map(records.map((record, index) => [record.line, index]));
  const findings = [
    ...invalid,
    ...checked.findings.map((f) => ({ ...f, index: byLine.get(f.line!) ?? f.index })),
  ].sort((a, b) => a.index - b.index);
  return report(records.length, findings, lineUnit);
}
