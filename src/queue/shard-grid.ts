/**
 * `grid.json`, written into a shard's run folder when it starts: which shard it is, where its store
 * is, and every input `buildResults` takes for the whole grid (all shards' items), so `deliberate
 * merge` rebuilds the unsharded results.json without loading a model or a dataset. Schema
 * (`deliberate/eval-shard@1`):
 *
 * ```
 * { schema, planHash,                 // sha256 of the plan's identity (below): equal in every shard
 *   shard: { index, count },
 *   store: string,                    // "store.sqlite" (relative: inside the run folder) or absolute
 *   createdAt: string,                // ISO 8601, when this shard started
 *   grid: { models: [{ name, prices?, parameters?, large?, verifier?, strategies? }], strategies,
 *           datasets: [{ name, spec, itemIds, digest }], seeds, settings, summary?, costUnit? } }
 * ```
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { DeliberateError } from "../errors.ts";
import type { ResultModel } from "../eval/build-results.ts";
import { canonicalJson } from "../eval/caching-backend.ts";
import type { StrategySpec } from "../eval/cell-key.ts";
import type { SummarizeOptions } from "../eval/metrics.ts";
import { isPostgresSpec, redactStoreSpec } from "../eval/store.ts";
import type { Dataset } from "../eval/types.ts";
import { writeJsonAtomic } from "../util/write-json-atomic.ts";
import type { Shard } from "./shard.ts";

export const shardGridSchema = "deliberate/eval-shard@1";
export const shardGridFile = "grid.json";

/** A dataset of the grid without its items' text: merge needs only the ids. */
export interface GridDataset {
  name: string;
  spec: string;
  /** Every item's id, in the dataset's order (the whole dataset, not this shard's share). */
  itemIds: string[];
  /** sha256 of the items (questions, gold answers, tests…): shards that loaded different data differ. */
  digest: string;
}

/** What `buildResults` takes, serialisable, for the whole grid. */
export interface GridInputs {
  models: ResultModel[];
  strategies: StrategySpec[];
  datasets: GridDataset[];
  seeds: number[];
  settings: Record<string, unknown>;
  summary?: SummarizeOptions;
  costUnit?: string;
}

export interface ShardGrid {
  schema: typeof shardGridSchema;
  planHash: string;
  shard: Shard;
  /** The shard's store: relative to the run folder when inside it, else absolute. */
  store: string;
  createdAt: string;
  grid: GridInputs;
}

export interface WriteShardGridOptions {
  shard: Shard;
  /** The store the shard writes: a file path or a `postgres://` URL. */
  storePath: string;
  createdAt: string;
  models: ReadonlyArray<ResultModel>;
  strategies: StrategySpec[];
  /** The whole grid's datasets, before the shard's filter. */
  datasets: ReadonlyArray<Dataset>;
  seeds: number[];
  settings: Record<string, unknown>;
  summary?: SummarizeOptions;
  costUnit?: string;
}

/**
 * Keys of `settings.plan` that say where a shard wrote and which share it ran: they differ between
 * the shards of one plan, so the plan's identity leaves them out (`deliberate eval` puts its
 * resolved plan under `settings.plan`; the runner puts the store it used under `settings.store`).
 */
const planPlaceKeys = ["out", "store", "shard"] as const;

/** The settings without the per-shard place keys: `settings.store`, `settings.plan.{out,store,shard}`. */
export function placeFreeSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const { store: _store, ...rest } = settings;
  const plan = rest.plan;
  if (!plan || typeof plan !== "object" || Array.isArray(plan)) return rest;
  const planRest: Record<string, unknown> = { ...(plan as Record<string, unknown>) };
  for (const key of planPlaceKeys) delete planRest[key];
  return { ...rest, plan: planRest };
}

/**
 * The identity every shard of one plan shares: the grid with the place keys left out, as canonical
 * JSON (keys sorted, so field order never matters).
 */
export function planIdentity(grid: GridInputs): Record<string, unknown> {
  return { ...grid, settings: placeFreeSettings(grid.settings) };
}

export function planHash(grid: GridInputs): string {
  return createHash("sha256")
    .update(canonicalJson(planIdentity(grid)))
    .digest("hex");
}

function datasetDigest(dataset: Dataset): string {
  const hash = createHash("sha256");
  for (const item of dataset.items) hash.update(canonicalJson(item)).update("\n");
  return hash.digest("hex");
}

function gridModel(model: ResultModel): ResultModel {
  const role = (r: { name: string; prices?: ResultModel["prices"]; parameters?: number }) => ({
    name: r.name,
    ...(r.prices ? { prices: r.prices } : {}),
    // Merged results count FLOPs as the shards' would have.
    ...(r.parameters !== undefined ? { parameters: r.parameters } : {}),
  });
  return {
    ...role(model),
    ...(model.large ? { large: role(model.large) } : {}),
    ...(model.verifier ? { verifier: role(model.verifier) } : {}),
    ...(model.strategies ? { strategies: [...model.strategies] } : {}),
  };
}

/** The grid.json of a shard, from the runner's inputs. */
export function shardGrid(outDir: string, options: WriteShardGridOptions): ShardGrid {
  const grid: GridInputs = {
    models: options.models.map(gridModel),
    strategies: options.strategies,
    datasets: options.datasets.map((d) => ({
      name: d.name,
      spec: d.spec,
      itemIds: d.items.map((item) => item.id),
      digest: datasetDigest(d),
    })),
    seeds: options.seeds,
    // Through JSON: exactly what merge will read back (undefined fields gone).
    settings: JSON.parse(JSON.stringify(options.settings)) as Record<string, unknown>,
    ...(options.summary ? { summary: options.summary } : {}),
    ...(options.costUnit ? { costUnit: options.costUnit } : {}),
  };
  return {
    schema: shardGridSchema,
    planHash: planHash(grid),
    shard: options.shard,
    store: storeLocation(outDir, options.storePath),
    createdAt: options.createdAt,
    grid,
  };
}

/**
 * A store as grid.json names it: a URL with its password redacted; a file relative to the run
 * folder when inside it (a folder collected from a pod onto another machine still finds its
 * store), else absolute.
 */
function storeLocation(outDir: string, storePath: string): string {
  if (isPostgresSpec(storePath)) return redactStoreSpec(storePath);
  const inside = relative(resolve(outDir), resolve(storePath));
  return inside && !inside.startsWith("..") && !isAbsolute(inside) ? inside : resolve(storePath);
}

/** Writes OUT/grid.json atomically (a temp file renamed over the old one). */
export function writeShardGrid(outDir: string, options: WriteShardGridOptions): ShardGrid {
  const grid = shardGrid(outDir, options);
  writeJsonAtomic(join(outDir, shardGridFile), grid);
  return grid;
}

/** A run folder's grid.json; BAD_REQUEST naming the folder when it is not a shard's. */
export function readShardGrid(runDir: string): ShardGrid {
  const path = join(runDir, shardGridFile);
  if (!existsSync(path)) {
    const why = existsSync(join(runDir, "results.json"))
      ? "it is a run folder but not a shard's (run it with `deliberate eval --shard i/N`)"
      : "no such run folder, or the shard never started";
    throw new DeliberateError("BAD_REQUEST", `${runDir}: no ${shardGridFile}: ${why}`, { param: "runs" });
  }
  let parsed: ShardGrid;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as ShardGrid;
  } catch (error) {
    throw new DeliberateError("BAD_REQUEST", `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
      param: "runs",
    });
  }
  if (parsed?.schema !== shardGridSchema) {
    throw new DeliberateError("BAD_REQUEST", `${path} is not a ${shardGridSchema} file`, { param: "runs" });
  }
  return parsed;
}
