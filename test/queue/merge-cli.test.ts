/**
 * Shards and merge as a user runs them: `deliberate eval --shard i/N` on real llama.cpp (a tiny
 * random-weight GGUF), each shard its own process and folder, then `deliberate merge` and
 * `deliberate report`. Which tokens the model samples is never asserted: only that the merged run
 * holds exactly the shards' records and covers the whole grid.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { EvalResults } from "../../src/eval/results.ts";
import { openStore } from "../../src/eval/store.ts";
import type { EvalRecord } from "../../src/eval/types.ts";
import { shardOf } from "../../src/queue/shard.ts";
import { readShardGrid } from "../../src/queue/shard-grid.ts";
import { runCli } from "../helpers/cli.ts";
import { tinyModelPath } from "../helpers/tiny-model.ts";

async function records(storePath: string): Promise<EvalRecord[]> {
  const store = await openStore(storePath);
  try {
    return await store.records();
  } finally {
    await store.close();
  }
}

const key = (r: EvalRecord) => `${r.cell}\u0000${r.itemId}\u0000${r.seed}`;

test("eval --shard 0/2 and 1/2 in two processes, merged and reported through the CLI", async () => {
  const model = await tinyModelPath();
  const root = mkdtempSync(join(tmpdir(), "deliberate-merge-cli-"));
  const dataset = "synthetic:arithmetic?difficulty=1&n=6";
  const evalArgs = (shard: string, out: string) => [
    "eval",
    "--model",
    model,
    "--strategy",
    "cot?maxTokens=6&temperature=0",
    "--dataset",
    dataset,
    "--seeds",
    "2",
    "--threads",
    "1",
    "--concurrency",
    "1",
    "--grader",
    "sync",
    "--progress",
    "none",
    "--shard",
    shard,
    "--out",
    out,
  ];
  const dirs = [join(root, "s0"), join(root, "s1")];
  let solved = 0;
  for (const [index, dir] of dirs.entries()) {
    const run = await runCli(evalArgs(`${index}/2`, dir));
    assert.equal(run.code, 0, run.stderr);
    solved += Number(/(\d+) solved/.exec(run.stdout)?.[1]);
    const grid = readShardGrid(dir);
    assert.deepEqual(grid.shard, { index, count: 2 });
    assert.equal(grid.store, "store.sqlite", "the store inside the folder, named relative to it");
    assert.equal(grid.grid.datasets[0].itemIds.length, 6, "grid.json describes the whole dataset");
    const plan = grid.grid.settings.plan as { shard: string };
    assert.equal(plan.shard, `${index}/2`);
    for (const r of await records(join(dir, "store.sqlite")))
      assert.equal(shardOf(r.dataset, r.itemId, 2), index);
  }
  assert.equal(solved, 6 * 2, "the two shards ran every item and seed once between them");

  const out = join(root, "merged");
  const merge = await runCli(["merge", dirs[1], dirs[0], "--out", out]);
  assert.equal(merge.code, 0, merge.stderr);
  assert.match(merge.stdout, /2 shards merged: 12 records/);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as EvalResults;
  assert.equal(results.cells.length, 1);
  assert.equal(results.cells[0].items, 6);
  assert.equal(results.overall.n + results.overall.errors, 12);
  assert.equal(results.overall.errors, 0, "a random-weight model answers badly, but nothing fails");
  assert.equal((results.settings.plan as { shard?: string }).shard, undefined, "the merged run is no shard");

  // Exactly the shards' records, none lost, none added.
  const merged = (await records(join(out, "store.sqlite"))).map(key).sort();
  const shards = [
    ...(await records(join(dirs[0], "store.sqlite"))),
    ...(await records(join(dirs[1], "store.sqlite"))),
  ]
    .map(key)
    .sort();
  assert.deepEqual(merged, shards);

  // Running a shard again finds everything done (its resume), and the merged run reports like any run.
  const again = await runCli(evalArgs("1/2", dirs[1]));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /0 solved, \d+ reused/);
  const report = await runCli(["report", out]);
  assert.equal(report.code, 0, report.stderr);
  assert.ok(existsSync(join(out, "report.html")));
});
