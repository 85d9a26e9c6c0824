/**
 * `deliberate merge`: the N shard run folders of one plan (`deliberate eval --shard i/N`) become one
 * run folder, as if the plan had run unsharded: every record (with its trace) and every sample of the
 * shards' stores is copied into one store, and results.json is built for the whole grid from the
 * grid.json the shards wrote, without loading a model or a dataset.
 *
 * The merged results.json equals the unsharded run's, cell for cell and metric for metric, since
 * both summarise the same records (metrics sort records into one canonical order first). Fields
 * allowed to differ, and why:
 * - `runId` (the folder's name), `createdAt` (here: when the first shard started), `finishedAt`:
 *   they name and date a run, not its outcome;
 * - `versions`: the machine that merged may run another Node or platform than the shards did;
 * - `settings.store`, `settings.plan.out`, `settings.plan.store`: where the run was written (here:
 *   the merged folder and store; `settings.plan.shard` is dropped);
 * - `summary.wallMs` of cells and overall, and each record's `wallMs` and `traceId` (and its trace's
 *   node ids and timestamps): wall-clock time measured on whichever machine solved the item, and
 *   random ids. Two unsharded runs of one plan differ in exactly these too.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import { DeliberateError } from "../errors.ts";
import { buildResults } from "../eval/build-results.ts";
import { cellKey, cellRuns } from "../eval/cell-key.ts";
import { type EvalResults, writeResults } from "../eval/results.ts";
import {
  isPostgresSpec,
  openStore,
  type ResultStore,
  redactStoreSpec,
  resolveStoreSpec,
  type SampleOrigin,
} from "../eval/store.ts";
import type { EvalRecord } from "../eval/types.ts";
import { checkShards, describeShardRun, type ShardRun } from "./check-shards.ts";
import { formatShard, shardOf } from "./shard.ts";
import { type GridInputs, placeFreeSettings, readShardGrid } from "./shard-grid.ts";

export interface MergeRunsOptions {
  /** The shard run folders, each with its grid.json, in any order: every shard of one plan once. */
  runs: string[];
  /** The merged run folder. Default `runs/merged-HASH`, HASH the plan's (first 10 hex digits). */
  outDir?: string;
  /**
   * The merged store: a SQLite file or a `postgres://` URL. Default `OUT_DIR/store.sqlite`. When it
   * is the store the shards shared, nothing is copied.
   */
  store?: string;
}

export interface MergedShard {
  index: number;
  dir: string;
  /** The shard's store as its grid.json names it (a password is never written down). */
  store: string;
  /** Records of the shard's share copied into the merged store (0 when it already was that store). */
  records: number;
}

export interface MergeRunsResult {
  outDir: string;
  resultsPath: string;
  /** The merged store, its password redacted. */
  store: string;
  results: EvalResults;
  shards: MergedShard[];
  /** Samples copied into the merged store (every sample of every shard store that is not it). */
  completions: number;
}

export const mergeManifestFile = "merged.json";

const bad = (message: string, param = "runs") => new DeliberateError("BAD_REQUEST", message, { param });

/** `cell\0item\0seed`: one attempt of the grid. */
const attemptKey = (cell: string, itemId: string, seed: number) => `${cell}\u0000${itemId}\u0000${seed}`;

/** The store a shard wrote, as a spec: its grid.json's path resolved against the run folder, or its URL. */
function shardStoreSpec(run: ShardRun): string {
  const { store } = run.grid;
  if (isPostgresSpec(store) || isAbsolute(store)) return store;
  return resolve(run.dir, store);
}

/** Every attempt of the grid, by the shard that owns it. */
function attemptsByShard(grid: GridInputs, count: number): Map<number, Array<[string, string, number]>> {
  const owned = new Map<number, Array<[string, string, number]>>();
  for (const model of grid.models) {
    for (const strategy of grid.strategies) {
      if (!cellRuns(model, strategy)) continue;
      for (const dataset of grid.datasets) {
        const cell = cellKey(model, strategy, dataset);
        for (const itemId of dataset.itemIds) {
          const shard = shardOf(dataset.name, itemId, count);
          const list = owned.get(shard) ?? [];
          owned.set(shard, list);
          for (const seed of grid.seeds) list.push([cell, itemId, seed]);
        }
      }
    }
  }
  return owned;
}

/**
 * A shard store to read: one that exists (opening a SQLite path that does not would create an
 * empty store), and whose spec was written down whole.
 */
async function openShardStore(spec: string, owners: readonly ShardRun[]): Promise<ResultStore> {
  const who = owners.map(describeShardRun).join(", ");
  if (isPostgresSpec(spec)) {
    if (spec.includes("***")) {
      throw bad(
        `${who} wrote to ${spec}, whose password is not written down: merge into that store (\`--store\` with its full URL), or give the password through PGPASSWORD and no password in the URL`,
        "store",
      );
    }
  } else if (!existsSync(spec)) {
    throw bad(`${who}: its store ${spec} does not exist (was the folder copied without it?)`);
  }
  return openStore(spec);
}

/** The merged run's settings: the shards' without the shard, written where the merge writes. */
function mergedSettings(
  settings: Record<string, unknown>,
  outDir: string,
  store: string,
): Record<string, unknown> {
  const rest = placeFreeSettings(settings);
  const plan = rest.plan as Record<string, unknown> | undefined;
  const hadOut = typeof settings.plan === "object" && settings.plan !== null && "out" in settings.plan;
  return {
    ...rest,
    ...(plan && hadOut ? { plan: { ...plan, out: outDir } } : {}),
    ...("store" in settings ? { store } : {}),
  };
}

export async function mergeRuns(options: MergeRunsOptions): Promise<MergeRunsResult> {
  if (options.runs.length === 0) throw bad("no run folders to merge");
  const runs: ShardRun[] = options.runs.map((dir) => ({
    dir: resolve(dir),
    grid: readShardGrid(resolve(dir)),
  }));
  checkShards(runs);
  runs.sort((a, b) => a.grid.shard.index - b.grid.shard.index);
  const { grid, planHash, shard } = runs[0].grid;
  const count = shard.count;

  const outDir = resolve(options.outDir ?? join("runs", `merged-${planHash.slice(0, 10)}`));
  const intoShard = runs.find((run) => run.dir === outDir);
  if (intoShard)
    throw bad(`the merged folder is ${describeShardRun(intoShard)}: merge into a folder of its own`, "out");
  const outSpec = resolveStoreSpec(options.store ?? join(outDir, "store.sqlite"));
  const outLabel = redactStoreSpec(outSpec);

  // Shards that wrote to one store (a shared Postgres, or one file) are read once.
  const sources = new Map<string, ShardRun[]>();
  for (const run of runs) {
    const spec = shardStoreSpec(run);
    sources.set(spec, [...(sources.get(spec) ?? []), run]);
  }

  // First every shard is checked to be finished, so a merge that fails leaves nothing half-copied.
  const attempts = attemptsByShard(grid, count);
  for (const [spec, owners] of sources) {
    // The merged store itself (a shared store the shards wrote to) opens with its full spec.
    const store = spec === outLabel ? await openStore(outSpec) : await openShardStore(spec, owners);
    try {
      const present = new Set((await store.records()).map((r) => attemptKey(r.cell, r.itemId, r.seed)));
      for (const run of owners) {
        const own = attempts.get(run.grid.shard.index) ?? [];
        const missing = own.filter(([cell, itemId, seed]) => !present.has(attemptKey(cell, itemId, seed)));
        if (missing.length > 0) {
          const [cell, itemId, seed] = missing[0];
          throw bad(
            `${describeShardRun(run)} has not finished: ${missing.length} of its ${own.length} attempts have no record (the first: cell \`${cell}\`, item \`${itemId}\`, seed ${seed}); run its command again (it resumes where it stopped), then merge`,
          );
        }
      }
    } finally {
      await store.close();
    }
  }

  mkdirSync(outDir, { recursive: true });
  const out = await openStore(outSpec);
  try {
    const shards: MergedShard[] = [];
    let completions = 0;
    for (const [spec, owners] of sources) {
      const copied = new Map<number, number>();
      if (spec !== outLabel) {
        const source = await openStore(spec);
        try {
          completions += await copySamples(source, out);
          // Only each shard's own share: a store may also hold records of other shards' items
          // (a folder reused from an earlier run), which are not this shard's to say.
          const indexes = new Set(owners.map((run) => run.grid.shard.index));
          const owner = (r: EvalRecord) => {
            const index = shardOf(r.dataset, r.itemId, count);
            return indexes.has(index) ? index : undefined;
          };
          for (const [index, n] of await copyRecords(source, out, owner)) copied.set(index, n);
        } finally {
          await source.close();
        }
      }
      for (const run of owners) {
        const { index } = run.grid.shard;
        shards.push({ index, dir: run.dir, store: run.grid.store, records: copied.get(index) ?? 0 });
      }
    }
    await out.flush();
    shards.sort((a, b) => a.index - b.index);

    const createdAt = runs.map((run) => run.grid.createdAt).sort()[0];
    const results = await buildResults(out, {
      runId: basename(outDir),
      createdAt,
      models: grid.models,
      strategies: grid.strategies,
      datasets: grid.datasets.map((d) => ({
        name: d.name,
        spec: d.spec,
        items: d.itemIds.map((id) => ({ id })),
      })),
      seeds: grid.seeds,
      settings: mergedSettings(grid.settings, outDir, outLabel),
      summary: grid.summary,
      costUnit: grid.costUnit,
    });
    const resultsPath = join(outDir, "results.json");
    writeResults(resultsPath, results);
    const manifest = {
      schema: "deliberate/eval-merge@1",
      planHash,
      shards: shards.map((s) => ({
        shard: formatShard({ index: s.index, count }),
        dir: s.dir,
        store: s.store,
      })),
      mergedAt: new Date().toISOString(),
    };
    writeFileSync(join(outDir, mergeManifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
    return { outDir, resultsPath, store: outLabel, results, shards, completions };
  } finally {
    await out.close();
  }
}

/** Request bodies remembered while copying: samples of one request share its body. */
const requestCacheSize = 4096;

/** Copies every sample with its origin (first write wins in the target, as always); returns how many. */
async function copySamples(source: ResultStore, target: ResultStore): Promise<number> {
  const bodies = new Map<string, string | undefined>();
  let n = 0;
  for await (const sample of source.samples()) {
    let origin: SampleOrigin | undefined;
    if (sample.request !== undefined) {
      let body = bodies.get(sample.request);
      if (body === undefined && !bodies.has(sample.request)) {
        body = await source.request(sample.request);
        if (bodies.size >= requestCacheSize) bodies.clear();
        bodies.set(sample.request, body);
      }
      if (body !== undefined) {
        origin = {
          backend: sample.backend,
          request: body,
          ...(sample.seed === undefined ? {} : { seed: sample.seed }),
          ...(sample.call === undefined ? {} : { call: sample.call }),
        };
      }
    }
    // Samples from stores older than origins carry none: they are copied as they are (their
    // backend column then reads the completion's own backend id).
    await target.putCompletion(sample.key, sample.completion, origin);
    n++;
  }
  return n;
}

/** Copies each record that has an owning shard, with its trace; returns how many per shard. */
async function copyRecords(
  source: ResultStore,
  target: ResultStore,
  owner: (record: EvalRecord) => number | undefined,
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const record of await source.records()) {
    const index = owner(record);
    if (index === undefined) continue;
    await target.putRecord(record, await source.traceOf(record));
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  return counts;
}
