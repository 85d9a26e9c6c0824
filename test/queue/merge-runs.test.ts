import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createItemGrader } from "../../src/eval/grade-item.ts";
import type { EvalResults } from "../../src/eval/results.ts";
import { type RunEvalOptions, runEval } from "../../src/eval/runner.ts";
import { openStore } from "../../src/eval/store.ts";
import type { Dataset, EvalRecord } from "../../src/eval/types.ts";
import { mergeRuns } from "../../src/queue/merge-runs.ts";
import { type Shard, shardOf } from "../../src/queue/shard.ts";
import { readShardGrid } from "../../src/queue/shard-grid.ts";
import { answeringBackend, arithmeticSet } from "../eval/helpers/scripted-eval.ts";
import { runCli } from "../helpers/cli.ts";

const grader = createItemGrader({ mode: "sync" });

/**
 * Results without what merge-runs.ts allows to differ from an unsharded run: run id, timestamps,
 * versions, where it was written (settings.store, settings.plan.out/store/shard) and wall-clock time.
 */
function comparableResults(results: EvalResults): unknown {
  const { runId: _id, createdAt: _c, finishedAt: _f, versions: _v, settings, ...rest } = results;
  const { store: _store, plan, ...otherSettings } = settings as Record<string, unknown>;
  const {
    out: _out,
    store: _planStore,
    shard: _shard,
    ...planRest
  } = (plan ?? {}) as Record<string, unknown>;
  return withoutKeys({ ...rest, settings: { ...otherSettings, plan: planRest } }, ["wallMs"]);
}

/** A record without its wall-clock time and random trace id. */
function comparableRecord(record: EvalRecord): unknown {
  return withoutKeys(record, ["wallMs", "traceId"]);
}

function withoutKeys(value: unknown, keys: string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutKeys(v, keys));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !keys.includes(k))
        .map(([k, v]) => [k, withoutKeys(v, keys)]),
    );
  }
  return value;
}

/** Two datasets, two models (one restricted to `cot`, so the grid is not a full product), prices, 2 seeds. */
async function gridSetup() {
  const sums = await arithmeticSet(12);
  const { loadDataset } = await import("../../src/eval/datasets/load-dataset.ts");
  const easy = await loadDataset("synthetic:arithmetic?difficulty=1&n=9&seed=5");
  return { datasets: [sums, easy] };
}

function gridOptions(
  datasets: Dataset[],
  outDir: string,
  extra: Partial<RunEvalOptions> = {},
): RunEvalOptions {
  // Each run gets fresh backends: nothing but the store carries over between runs.
  const both = { ...datasets[0], items: datasets.flatMap((d) => d.items) };
  return {
    models: [
      {
        name: "small",
        backend: answeringBackend(both),
        prices: { prompt: 1e-6, completion: 2e-6 },
        concurrency: 3,
      },
      { name: "other", backend: answeringBackend(both), strategies: ["cot"] },
    ],
    strategies: [{ name: "self-consistency", options: { samples: 4 } }, { name: "cot" }],
    datasets,
    seeds: 2,
    outDir,
    grader,
    progress: "none",
    settings: { plan: { out: outDir, note: "one plan" } },
    costUnit: "USD",
    ...extra,
  };
}

const tempDir = () => mkdtempSync(join(tmpdir(), "deliberate-merge-"));

async function shardRuns(
  datasets: Dataset[],
  root: string,
  count: number,
  extra: Partial<RunEvalOptions> = {},
) {
  const dirs: string[] = [];
  for (let index = 0; index < count; index++) {
    const dir = join(root, `shard-${index}-of-${count}`);
    const shard: Shard = { index, count };
    await runEval(
      gridOptions(datasets, dir, {
        ...extra,
        shard,
        settings: { plan: { out: dir, note: "one plan", shard: `${index}/${count}` } },
      }),
    );
    dirs.push(dir);
  }
  return dirs;
}

async function recordsOf(storePath: string): Promise<EvalRecord[]> {
  const store = await openStore(storePath);
  try {
    return await store.records();
  } finally {
    await store.close();
  }
}

async function sampleTexts(storePath: string): Promise<Map<string, string>> {
  const store = await openStore(storePath);
  const texts = new Map<string, string>();
  try {
    for await (const sample of store.samples()) texts.set(sample.key, sample.completion.text);
  } finally {
    await store.close();
  }
  return texts;
}

const readResultsFile = (path: string) => JSON.parse(readFileSync(path, "utf8")) as EvalResults;

const byAttempt = (a: EvalRecord, b: EvalRecord) =>
  a.cell.localeCompare(b.cell) || a.itemId.localeCompare(b.itemId) || a.seed - b.seed;

test("shards 0/3 + 1/3 + 2/3 merged equal the unsharded run: every record, sample and metric", async () => {
  const { datasets } = await gridSetup();
  const root = tempDir();
  const whole = await runEval(gridOptions(datasets, join(root, "whole")));
  const dirs = await shardRuns(datasets, root, 3);

  // Each shard ran its share only: every cell and seed of an item in the shard that owns the item.
  let shardItems = 0;
  for (const [index, dir] of dirs.entries()) {
    const shardResults = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as EvalResults;
    const records = await recordsOf(join(dir, "store.sqlite"));
    assert.ok(records.length > 0, `shard ${index} ran something`);
    for (const r of records)
      assert.equal(shardOf(r.dataset, r.itemId, 3), index, `${r.itemId} in shard ${index}`);
    const items = new Set(records.map((r) => `${r.dataset}\u0000${r.itemId}`));
    // 3 cells per dataset (small × 2 strategies, other × cot) × 2 seeds.
    assert.equal(records.length, items.size * 3 * 2, "all cells and seeds of each item");
    shardItems += items.size;
    assert.equal(shardResults.overall.n + shardResults.overall.errors, records.length);
    assert.deepEqual(readShardGrid(dir).shard, { index, count: 3 });
  }
  assert.equal(shardItems, 12 + 9, "the shards partition the items");

  // Given in any order.
  const merged = await mergeRuns({ runs: [dirs[2], dirs[0], dirs[1]], outDir: join(root, "merged") });
  assert.equal(merged.results.cells.length, 6);
  assert.equal(merged.results.overall.n + merged.results.overall.errors, 21 * 3 * 2);
  assert.deepEqual(
    merged.shards.map((s) => s.index),
    [0, 1, 2],
  );
  assert.equal(
    merged.shards.reduce((sum, s) => sum + s.records, 0),
    21 * 3 * 2,
  );
  const written = JSON.parse(readFileSync(merged.resultsPath, "utf8")) as EvalResults;
  assert.deepEqual(comparableResults(written), comparableResults(readResultsFile(whole.resultsPath)));
  // What the comparison leaves out really is only the place and the clock.
  assert.equal(written.runId, "merged");
  assert.equal(written.settings.plan && (written.settings.plan as { out: string }).out, merged.outDir);
  assert.equal((written.settings.plan as { shard?: string }).shard, undefined);
  assert.ok(written.cells.every((c, i) => c.accuracy === whole.results.cells[i].accuracy));
  assert.ok(written.cells[0].summary.cost > 0, "priced");

  // Item for item: the same records (and traces) in the merged store as in the unsharded one.
  const mergedRecords = (await recordsOf(join(merged.outDir, "store.sqlite"))).sort(byAttempt);
  const wholeRecords = (await recordsOf(whole.storePath)).sort(byAttempt);
  assert.equal(mergedRecords.length, wholeRecords.length);
  assert.deepEqual(mergedRecords.map(comparableRecord), wholeRecords.map(comparableRecord));
  const store = await openStore(join(merged.outDir, "store.sqlite"));
  try {
    for (const r of mergedRecords) assert.ok((await store.traceOf(r))?.nodes.length, `trace of ${r.itemId}`);
  } finally {
    await store.close();
  }
  // The same samples under the same keys: a later run on the merged store reuses them all.
  assert.deepEqual(
    await sampleTexts(join(merged.outDir, "store.sqlite")),
    await sampleTexts(whole.storePath),
  );
  assert.equal(merged.completions, (await sampleTexts(whole.storePath)).size);
  assert.ok(existsSync(join(merged.outDir, "merged.json")));
});

test("shards that shared one store: read once, and nothing copied when merging into that store", async () => {
  const { datasets } = await gridSetup();
  const root = tempDir();
  const whole = await runEval(gridOptions(datasets, join(root, "whole")));
  const shared = join(root, "shared.sqlite");
  const dirs = await shardRuns(datasets, root, 3, { storePath: shared });
  assert.equal(readShardGrid(dirs[0]).store, shared, "a store outside the folder is named absolute");

  const inPlace = await mergeRuns({ runs: dirs, outDir: join(root, "in-place"), store: shared });
  assert.deepEqual(
    inPlace.shards.map((s) => s.records),
    [0, 0, 0],
  );
  assert.equal(inPlace.completions, 0);
  const expected = comparableResults(readResultsFile(whole.resultsPath));
  assert.deepEqual(comparableResults(readResultsFile(inPlace.resultsPath)), expected);

  const copied = await mergeRuns({ runs: dirs, outDir: join(root, "copied") });
  assert.equal(
    copied.shards.reduce((sum, s) => sum + s.records, 0),
    21 * 3 * 2,
    "each record once, by the shard that owns it",
  );
  assert.ok(copied.shards.every((s) => s.records > 0));
  assert.deepEqual(comparableResults(readResultsFile(copied.resultsPath)), expected);
});

test("merge refuses folders that are not every shard of one plan, once, naming what is wrong", async () => {
  const { datasets } = await gridSetup();
  const root = tempDir();
  const dirs = await shardRuns(datasets, root, 3);
  const out = join(root, "merged");
  const refuses = (runs: string[], pattern: RegExp, outDir = out) =>
    assert.rejects(mergeRuns({ runs, outDir }), (error: Error & { code?: string }) => {
      assert.equal(error.code, "BAD_REQUEST");
      assert.match(error.message, pattern);
      return true;
    });

  await refuses([dirs[0], dirs[2]], /shard 1\/3 of the plan is missing \(given: 0\/3, 2\/3\)/);
  await refuses([dirs[0], dirs[1], dirs[1], dirs[2]], /shard 1\/3 is given twice/);
  const copy = join(root, "copy-of-0");
  cpSync(dirs[0], copy, { recursive: true });
  await refuses(
    [dirs[0], copy, dirs[1], dirs[2]],
    /shard 0\/3 is given twice: .*shard-0-of-3 and .*copy-of-0/,
  );

  // Another plan: 8 samples instead of 4. The message names the setting.
  const other = join(root, "other");
  const otherStrategies = [{ name: "self-consistency", options: { samples: 8 } }, { name: "cot" }];
  await runEval(gridOptions(datasets, other, { shard: { index: 1, count: 3 }, strategies: otherStrategies }));
  await refuses(
    [dirs[0], other, dirs[2]],
    /shard 1\/3 \(.*other\) is not from the same plan as shard 0\/3 .*`strategies\.0\.options\.samples` differs \(4 vs 8\)/,
  );
  // Another split of the same plan.
  const half = join(root, "half");
  await runEval(gridOptions(datasets, half, { shard: { index: 1, count: 2 } }));
  await refuses([dirs[0], half], /different numbers of shards \(2 vs 3\)/);

  // An unsharded run folder, a folder that is not there, and merging into a shard's own folder.
  const whole = join(root, "whole");
  await runEval(gridOptions(datasets, whole));
  await refuses([whole, ...dirs], /no grid\.json: it is a run folder but not a shard's/);
  await refuses([...dirs, join(root, "nowhere")], /nowhere: no grid\.json/);
  await refuses(dirs, /merge into a folder of its own/, dirs[1]);
  assert.equal(existsSync(out), false, "nothing written by a refused merge");
});

test("a shard interrupted part-way is named; run again, it resumes and the merge succeeds", async () => {
  const { datasets } = await gridSetup();
  const root = tempDir();
  const dirs = await shardRuns(datasets, root, 2);
  const out = join(root, "merged");
  // Shard 1 again from scratch, stopped after its first record.
  const partial = join(root, "partial-1");
  const controller = new AbortController();
  const interrupted = await runEval(
    gridOptions(datasets, partial, {
      shard: { index: 1, count: 2 },
      signal: controller.signal,
      onRecord: () => controller.abort(),
    }),
  );
  assert.ok(interrupted.solved >= 1);
  await assert.rejects(
    mergeRuns({ runs: [dirs[0], partial], outDir: out }),
    /shard 1\/2 \(.*partial-1\) has not finished: \d+ of its \d+ attempts have no record .*run its command again/,
  );
  assert.equal(existsSync(join(out, "store.sqlite")), false, "checked before anything is copied");

  const resumed = await runEval(gridOptions(datasets, partial, { shard: { index: 1, count: 2 } }));
  assert.ok(resumed.skipped >= 1, "the resumed shard kept what it had");
  const merged = await mergeRuns({ runs: [dirs[0], partial], outDir: out });
  const reference = await mergeRuns({ runs: dirs, outDir: join(root, "reference") });
  assert.deepEqual(comparableResults(merged.results), comparableResults(reference.results));
});

test("deliberate merge through the CLI: the table, results.json equal to the unsharded run's, exit 2 with the reason", async () => {
  const { datasets } = await gridSetup();
  const root = tempDir();
  const whole = await runEval(gridOptions(datasets, join(root, "whole")));
  const dirs = await shardRuns(datasets, root, 3);
  const out = join(root, "merged");

  const run = await runCli(["merge", ...dirs, "--out", out]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^small \| self-consistency\{"samples":4\} \| synthetic:arithmetic\S* accuracy \d/m,
  );
  assert.match(
    run.stdout,
    new RegExp(`3 shards merged: ${21 * 3 * 2} records, \\d+ samples copied → .*results\\.json`),
  );
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as EvalResults;
  assert.deepEqual(comparableResults(results), comparableResults(readResultsFile(whole.resultsPath)));

  const missing = await runCli(["merge", dirs[0], dirs[2], "--out", join(root, "never")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /deliberate: shard 1\/3 of the plan is missing/);
  assert.equal(existsSync(join(root, "never")), false);
});
