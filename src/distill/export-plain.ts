/**
 * The plain JSONL files (`traces.jsonl`, `sft.jsonl`, `dpo.jsonl`, `prompts.jsonl`): each line is
 * the record type's own fields, in the type's order, and nothing else, so a row that arrives with
 * extra properties (a trace spread into an SFT row) cannot leak them into a file the eval harness
 * and the lab read. The field lists are checked against the types: a field added to `types.ts`
 * fails to compile here until it is listed.
 */
import type { DistilledTrace, DpoRow, PromptRow, SftRow } from "./types.ts";

type FieldList<Row> = { readonly [Key in keyof Required<Row>]: true };

const traceFields = {
  id: true,
  problemId: true,
  question: true,
  gold: true,
  kind: true,
  difficulty: true,
  teacher: true,
  source: true,
  sample: true,
  text: true,
  thinking: true,
  predicted: true,
  correct: true,
  tokens: true,
} as const satisfies FieldList<DistilledTrace>;

const sftFields = {
  id: true,
  question: true,
  answer: true,
  solution: true,
  kind: true,
  difficulty: true,
  teacher: true,
  source: true,
  passRate: true,
  tokens: true,
} as const satisfies FieldList<SftRow>;

const dpoFields = {
  id: true,
  question: true,
  answer: true,
  chosen: true,
  rejected: true,
  teacher: true,
} as const satisfies FieldList<DpoRow>;

const promptFields = {
  id: true,
  question: true,
  answer: true,
  kind: true,
  difficulty: true,
  tests: true,
  passRate: true,
} as const satisfies FieldList<PromptRow>;

/** The row with only the listed fields, in list order; absent (undefined) optional fields are left out. */
function pick<Row extends object>(row: Row, fields: FieldList<Row>): Row {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    const value = (row as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as Row;
}

export const plainTrace = (row: DistilledTrace): DistilledTrace => pick(row, traceFields);
export const plainSft = (row: SftRow): SftRow => pick(row, sftFields);
export const plainDpo = (row: DpoRow): DpoRow => pick(row, dpoFields);
export const plainPrompt = (row: PromptRow): PromptRow => pick(row, promptFields);
