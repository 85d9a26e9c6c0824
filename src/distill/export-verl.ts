/**
 * verl's RL dataset (verl docs, "Prepare Data for Post-Training"; `examples/data_preprocess/gsm8k.py`):
 * a parquet file of one row per prompt with the columns
 *   data_source   string, names the reward function verl's default dispatcher would pick
 *   prompt        list<struct<role: string, content: string>>, chat messages verl templates itself
 *   ability       string, the task kind (math, choice, code, text)
 *   reward_model  struct<style: string, ground_truth: string>, style "rule": checked, not a model
 *   extra_info    struct<split, index, problem_id, pass_rate, difficulty, kind, tests<language, code>>
 * written as true nested parquet columns (a 3-level LIST of a struct, and structs), which pyarrow and
 * `datasets` read as lists of dicts and dicts, as verl expects.
 *
 * `extra_info.kind` and `extra_info.tests` are for `deliberate rewards serve` (`POST
 * /verl/compute_score`, which reads them from `extra_info`): the kind when the service knows it
 * (null for `text`, which it grades as math), the tests for code (null otherwise). verl hands a null
 * struct field to the reward function as None, which the service takes as absent.
 */
import type { SchemaElement } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { RewardKind } from "../rewards/types.ts";
import type { TaskKind } from "../run/types.ts";
import type { CodeTests } from "../sandbox/types.ts";
import { fnv1a, mix32 } from "../util/fnv1a.ts";
import { type ExportMessage, promptMessages, rewardFieldsOf } from "./export-chat.ts";
import type { PromptRow } from "./types.ts";

export type VerlSplit = "train" | "test";

export interface VerlExtraInfo {
  split: VerlSplit;
  /** The row's position in its file, from 0. */
  index: number;
  problem_id: string;
  /** The teachers' measured pass rate on this problem; null when unknown. */
  pass_rate: number | null;
  difficulty: number | null;
  /** The reward service's kind; null for `text` problems. */
  kind: RewardKind | null;
  /** A code problem's tests; null for the others. */
  tests: CodeTests | null;
}

export interface VerlRow {
  data_source: string;
  prompt: ExportMessage[];
  ability: TaskKind;
  reward_model: { style: "rule"; ground_truth: string };
  extra_info: VerlExtraInfo;
}

export interface VerlRowsOptions {
  split: VerlSplit;
  dataSource: string;
  systemPrompt?: string;
}

export function verlRows(prompts: readonly PromptRow[], options: VerlRowsOptions): VerlRow[] {
  const { split, dataSource, systemPrompt } = options;
  return prompts.map((row, index) => {
    const reward = rewardFieldsOf(row);
    return {
      data_source: dataSource,
      prompt: promptMessages(row.question, systemPrompt),
      ability: row.kind,
      reward_model: { style: "rule", ground_truth: row.answer },
      extra_info: {
        split,
        index,
        problem_id: row.id,
        pass_rate: row.passRate ?? null,
        difficulty: row.difficulty ?? null,
        kind: reward.kind ?? null,
        tests: reward.tests ?? null,
      },
    };
  });
}

/**
 * Holds out `round(n × testFraction)` prompts for `verl/test.parquet`: the ones whose id hashes
 * lowest, so a problem lands on the same side in every export of it, whatever the order or the
 * other problems. Both halves keep the input order.
 */
export function splitPrompts(
  prompts: readonly PromptRow[],
  testFraction: number,
): { train: PromptRow[]; test: PromptRow[] } {
  const testCount = Math.round(prompts.length * testFraction);
  const byHash = prompts
    .map((row, position) => ({ position, hash: mix32(fnv1a(row.id)) }))
    .sort((a, b) => a.hash - b.hash || a.position - b.position);
  const held = new Set(byHash.slice(0, testCount).map((entry) => entry.position));
  return {
    train: prompts.filter((_, position) => !held.has(position)),
    test: prompts.filter((_, position) => held.has(position)),
  };
}

const text = (name: string): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "REQUIRED",
});

/** The file's schema, depth-first as parquet lists it: a group names how many children follow it. */
const verlSchema: SchemaElement[] = [
  { name: "root", num_children: 5 },
  text("data_source"),
  // The standard 3-level list: prompt (LIST) → repeated group `list` → `element` (the message struct).
  { name: "prompt", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "REQUIRED", num_children: 2 },
  text("role"),
  text("content"),
  text("ability"),
  { name: "reward_model", repetition_type: "REQUIRED", num_children: 2 },
  text("style"),
  text("ground_truth"),
  { name: "extra_info", repetition_type: "REQUIRED", num_children: 7 },
  text("split"),
  { name: "index", type: "INT64", repetition_type: "REQUIRED" },
  text("problem_id"),
  { name: "pass_rate", type: "DOUBLE", repetition_type: "OPTIONAL" },
  { name: "difficulty", type: "DOUBLE", repetition_type: "OPTIONAL" },
  { ...text("kind"), repetition_type: "OPTIONAL" },
  // A null struct for non-code rows; its fields are required when it is there.
  { name: "tests", repetition_type: "OPTIONAL", num_children: 2 },
  text("language"),
  text("code"),
];

/** The rows as a parquet file's bytes (snappy-compressed, hyparquet-writer's default). */
export function verlParquet(rows: readonly VerlRow[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    schema: verlSchema,
    columnData: [
      { name: "data_source", data: rows.map((row) => row.data_source) },
      { name: "prompt", data: rows.map((row) => row.prompt) },
      { name: "ability", data: rows.map((row) => row.ability) },
      { name: "reward_model", data: rows.map((row) => row.reward_model) },
      // INT64 columns take bigints.
      {
        name: "extra_info",
        data: rows.map((row) => ({ ...row.extra_info, index: BigInt(row.extra_info.index) })),
      },
    ],
    createdBy: "deliberate distill (hyparquet-writer)",
  });
  return new Uint8Array(buffer);
}
