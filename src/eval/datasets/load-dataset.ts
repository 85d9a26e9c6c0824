/**
 * One entry point for every dataset spec: a local file (JSONL, JSON, CSV, Parquet) read with a
 * layout and optional field mapping, or `synthetic:NAME?difficulty=3&n=100&seed=1`.
 */
import { basename, extname } from "node:path";
import { DeliberateError } from "../../errors.ts";
import type { TaskKind } from "../../strategies/types.ts";
import { generateSynthetic, parseSyntheticSpec } from "../../tasks/index.ts";
import type { SyntheticItem } from "../../tasks/types.ts";
import type { Dataset, EvalItem } from "../types.ts";
import { detectLayout, type FieldMapping, type LayoutName, toItem } from "./layouts.ts";
import { readRecords } from "./read-records.ts";

export interface LoadDatasetOptions {
  /** Record layout; `auto` (default) guesses from the first record's fields. */
  layout?: LayoutName | "auto";
  /** Field names that differ from the layout's defaults. */
  fields?: FieldMapping;
  /** Task kind for `plain` records. Default `math`. */
  kind?: TaskKind;
  /** Keep only the first `limit` items (after filtering). */
  limit?: number;
  /** Synthetic sets: difficulty when the spec does not say. Files: keep only items of this difficulty. */
  difficulty?: number;
  /** Synthetic sets: item count when the spec does not say. Default 100. */
  n?: number;
  /** Synthetic sets: seed when the spec does not say. Default 1. */
  seed?: number;
}

export async function loadDataset(spec: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const { layout = "auto", fields, kind, limit, difficulty } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new DeliberateError("BAD_REQUEST", `\`limit\` must be a non-negative integer, got ${limit}`, {
      param: "limit",
    });
  }
  if (spec.startsWith("synthetic:")) {
    const parsed = parseSyntheticSpec(spec, {
      difficulty,
      n: limit !== undefined && options.n === undefined ? limit : options.n,
      seed: options.seed,
    });
    const items = generateSynthetic(parsed.name, parsed).map(syntheticToItem);
    const from = parsed.from === parsed.difficulty ? "" : `from=${parsed.from}&`;
    return {
      // Levels and seed name the set; `n` does not, so a larger `n` extends the same cells.
      name: `synthetic:${parsed.name}?${from}difficulty=${parsed.difficulty}&seed=${parsed.seed}`,
      spec: `synthetic:${parsed.name}?${from}difficulty=${parsed.difficulty}&n=${parsed.n}&seed=${parsed.seed}`,
      items: limit === undefined ? items : items.slice(0, limit),
    };
  }
  const records = await readRecords(spec);
  const name = basename(spec, extname(spec));
  const chosen: LayoutName =
    layout === "auto" ? (records[0] ? detectLayout(records[0].fields) : "plain") : layout;
  let items = records.map((record, index) =>
    toItem(record, { path: spec, name, index, layout: chosen, fields, kind }),
  );
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (seen.has(item.id)) {
      throw new DeliberateError("BAD_REQUEST", `${spec}:${records[i].line}: duplicate id \`${item.id}\``);
    }
    seen.add(item.id);
  }
  if (difficulty !== undefined) items = items.filter((item) => item.difficulty === difficulty);
  return { name, spec, items: limit === undefined ? items : items.slice(0, limit) };
}

/** A synthetic item as an eval item; countdown answers are checked, not compared. */
export function syntheticToItem(item: SyntheticItem): EvalItem {
  const generator = item.id.split("-")[0];
  return {
    id: item.id,
    question: item.question,
    gold: item.answer,
    kind: "math",
    difficulty: item.difficulty,
    category: item.category,
    ...(generator === "countdown" ? { check: "countdown" as const } : {}),
    meta: { ...item.meta, solutions: item.solutions },
  };
}
