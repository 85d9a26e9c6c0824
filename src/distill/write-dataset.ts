/**
 * Writes a distill run's dataset folder (the layout in `types.ts`): the plain JSONL files, the
 * trainers' formats under `trl/`, `openrlhf/` and `verl/`, the card `README.md`, and `manifest.json`.
 *
 * Every file goes through a temporary file and a rename (`export-files.ts`), so none is ever seen
 * half written. Whatever can fail on bad input (options, duplicate ids, a malformed histogram, the
 * parquet encoding) is checked in memory before the first file is touched, and `manifest.json` is
 * written last: a folder whose manifest is there is complete. Rewriting a folder removes its old
 * manifest first, replaces its files, and removes `verl/test.parquet` when this export has no test
 * split, so no file of an older export poses as part of this one.
 */
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import { renderDatasetCard } from "./dataset-card.ts";
import { jsonLines, writeFileAtomic } from "./export-files.ts";
import type { DatasetFile } from "./export-layout.ts";
import { openRlhfDpoRow, openRlhfPromptRow, openRlhfSftRow } from "./export-openrlhf.ts";
import { plainDpo, plainPrompt, plainSft, plainTrace } from "./export-plain.ts";
import { trlDpoRow, trlGrpoRow, trlSftRow } from "./export-trl.ts";
import { splitPrompts, verlParquet, verlRows } from "./export-verl.ts";
import type {
  DistilledProblem,
  DistilledTrace,
  DistillManifest,
  DpoRow,
  PromptRow,
  SftRow,
} from "./types.ts";

/** Everything one distill run produced. */
export interface DistilledDataset {
  manifest: DistillManifest;
  traces: DistilledTrace[];
  problems: DistilledProblem[];
  sft: SftRow[];
  dpo: DpoRow[];
  prompts: PromptRow[];
}

export interface WriteDatasetOptions {
  /**
   * verl's `data_source` column. verl's built-in reward dispatcher keys on it; with
   * `docs/rewards/verl_compute_score.py` it is only a label. Default `deliberate/distill`.
   */
  dataSource?: string;
  /** A system message before the question in every trainer file's prompt (not in the plain JSONL). Default: none. */
  systemPrompt?: string;
  /**
   * Share of the problems held out as `verl/test.parquet`, in [0, 1): `round(problems × share)` of
   * them, picked by a hash of the problem id (stable across runs). 0 (default): no test file. The
   * other exports hold every problem.
   */
  testFraction?: number;
}

const optionsSchema = z
  .object({
    dataSource: z.string().min(1).optional(),
    systemPrompt: z.string().optional(),
    testFraction: z.number().min(0).lt(1).optional(),
  })
  .strict();

/** One row's id per record set must be unique: the eval harness refuses a dataset with duplicate ids. */
function requireUniqueIds(name: string, rows: readonly { id: string }[]): void {
  const seen = new Map<string, number>();
  for (const [index, row] of rows.entries()) {
    const first = seen.get(row.id);
    if (first !== undefined) {
      throw new DeliberateError(
        "BAD_REQUEST",
        `\`${name}\` rows ${first} and ${index} share the id \`${row.id}\`: ids must be unique within a file`,
        { param: name },
      );
    }
    seen.set(row.id, index);
  }
}

/** Encodes in memory; a throw from the parquet writer on typed rows is a bug of ours. */
function encodeParquet(file: DatasetFile, encode: () => Uint8Array): Uint8Array {
  try {
    return encode();
  } catch (error) {
    throw new DeliberateError("INTERNAL", `cannot encode ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export async function writeDataset(
  dir: string,
  data: DistilledDataset,
  options: WriteDatasetOptions = {},
): Promise<void> {
  if (typeof dir !== "string" || dir.trim() === "") {
    throw new DeliberateError("BAD_REQUEST", "`dir` must name the dataset folder", { param: "dir" });
  }
  const {
    dataSource = "deliberate/distill",
    systemPrompt,
    testFraction = 0,
  } = parseOrBadRequest(optionsSchema, options, { subject: "writeDataset" });
  const { manifest, traces, problems, sft, dpo, prompts } = data;
  requireUniqueIds("traces", traces);
  requireUniqueIds("sft", sft);
  requireUniqueIds("dpo", dpo);
  requireUniqueIds("prompts", prompts);

  const halves = testFraction > 0 ? splitPrompts(prompts, testFraction) : { train: prompts, test: undefined };
  const verlOf = (rows: PromptRow[], split: "train" | "test", file: DatasetFile) =>
    encodeParquet(file, () => verlParquet(verlRows(rows, { split, dataSource, systemPrompt })));
  const verlTrain = verlOf(halves.train, "train", "verl/train.parquet");
  const verlTest = halves.test && verlOf(halves.test, "test", "verl/test.parquet");

  const jsonl: Array<[DatasetFile, unknown[]]> = [
    ["traces.jsonl", traces.map(plainTrace)],
    ["sft.jsonl", sft.map(plainSft)],
    ["dpo.jsonl", dpo.map(plainDpo)],
    ["prompts.jsonl", prompts.map(plainPrompt)],
    ["trl/sft.jsonl", sft.map((row) => trlSftRow(row, systemPrompt))],
    ["trl/dpo.jsonl", dpo.map((row) => trlDpoRow(row, systemPrompt))],
    ["trl/grpo.jsonl", prompts.map((row) => trlGrpoRow(row, systemPrompt))],
    ["openrlhf/sft.jsonl", sft.map((row) => openRlhfSftRow(row, systemPrompt))],
    ["openrlhf/dpo.jsonl", dpo.map((row) => openRlhfDpoRow(row, systemPrompt))],
    ["openrlhf/prompts.jsonl", prompts.map((row) => openRlhfPromptRow(row, systemPrompt))],
  ];
  const rows: Partial<Record<DatasetFile, number>> = Object.fromEntries(
    jsonl.map(([file, list]) => [file, list.length]),
  );
  rows["verl/train.parquet"] = halves.train.length;
  if (halves.test) rows["verl/test.parquet"] = halves.test.length;
  const card = renderDatasetCard({
    manifest,
    problems,
    traces,
    sft,
    rows,
    dataSource,
    systemPrompt,
    verlTest: halves.test !== undefined,
  });

  // An older export's manifest goes first: while the files change, the folder must not claim to be complete.
  await removeStale(join(dir, "manifest.json"));
  for (const [file, list] of jsonl) await writeFileAtomic(join(dir, file), jsonLines(list));
  await writeFileAtomic(join(dir, "verl/train.parquet"), [verlTrain]);
  if (verlTest) await writeFileAtomic(join(dir, "verl/test.parquet"), [verlTest]);
  else await removeStale(join(dir, "verl/test.parquet"));
  await writeFileAtomic(join(dir, "README.md"), [card]);
  await writeFileAtomic(join(dir, "manifest.json"), [`${JSON.stringify(manifest, null, 2)}\n`]);
}

async function removeStale(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new DeliberateError(
      "BAD_REQUEST",
      `cannot remove the stale file ${path}: ${(error as Error).message}`,
      {
        param: "dir",
        cause: error,
      },
    );
  }
}
