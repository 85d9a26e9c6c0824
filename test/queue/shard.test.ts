import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defaultOutDir, parseEvalPlan, readEvalFile } from "../../src/eval/eval-plan.ts";
import { maxShards, parseShard, shardDataset, shardOf } from "../../src/queue/shard.ts";
import { runCli } from "../helpers/cli.ts";

test("parseShard reads INDEX/COUNT, counting from 0", () => {
  assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  assert.deepEqual(parseShard(" 7 / 16 "), { index: 7, count: 16 });
  assert.deepEqual(parseShard("03/10"), { index: 3, count: 10 });
  assert.deepEqual(parseShard(`0/${maxShards}`), { index: 0, count: maxShards });
});

test("parseShard names what is wrong", () => {
  const cases: Array<[string, RegExp]> = [
    ["3/3", /shard `3\/3`: the shards of 3 are numbered 0 to 2/],
    ["4/3", /the shards of 3 are numbered 0 to 2/],
    ["1/1", /the shards of 1 are numbered 0 to 0/],
    ["0/0", /`0\/0`: the shard count must be at least 1/],
    ["a/b", /`a\/b` is not INDEX\/COUNT with whole numbers, e\.g\. `0\/4`/],
    ["1", /`1` is not INDEX\/COUNT/],
    ["-1/3", /`-1\/3` is not INDEX\/COUNT/],
    ["1.5/3", /is not INDEX\/COUNT/],
    ["1/3/4", /is not INDEX\/COUNT/],
    ["", /`` is not INDEX\/COUNT/],
    [`0/${maxShards + 1}`, new RegExp(`at most ${maxShards} shards`)],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => parseShard(text),
      (error: Error & { code?: string; param?: string }) => {
        assert.equal(error.code, "BAD_REQUEST", text);
        assert.equal(error.param, "shard");
        assert.match(error.message, pattern);
        return true;
      },
    );
  }
});

test("the plan's `shard`: checked from flags and from YAML with its line; shards get folders of their own", () => {
  const base = { models: ["m.gguf"], datasets: ["synthetic:arithmetic"] };
  assert.equal(parseEvalPlan({ ...base, shard: "1/4" }).shard, "1/4");
  assert.throws(
    () => parseEvalPlan({ ...base, shard: "4/4" }),
    /eval option `shard`: `4\/4`: the shards of 4 are numbered 0 to 3/,
  );
  const dir = mkdtempSync(join(tmpdir(), "deliberate-shard-"));
  const file = join(dir, "sweep.yaml");
  writeFileSync(file, "models: [m.gguf]\ndatasets: [synthetic:arithmetic]\nshard: 2/2\n");
  assert.throws(
    () => readEvalFile(file),
    /sweep\.yaml:3: `shard`: `2\/2`: the shards of 2 are numbered 0 to 1/,
  );
  writeFileSync(file, "models: [m.gguf]\ndatasets: [synthetic:arithmetic]\nshard: 1/2\n");
  assert.equal(readEvalFile(file).shard, "1/2");

  const whole = defaultOutDir(parseEvalPlan(base));
  const shard = defaultOutDir(parseEvalPlan({ ...base, shard: " 1 / 4" }));
  assert.match(whole, /^runs\/eval-[0-9a-f]{10}$/);
  assert.equal(shard, `${whole}-shard-1-of-4`, "same grid hash, the shard's own folder");
});

test("`deliberate eval --shard` rejects a bad shard before loading anything (exit 2)", async () => {
  const run = await runCli([
    "eval",
    "-m",
    "no-such-model.gguf",
    "-d",
    "synthetic:arithmetic",
    "--shard",
    "3/3",
  ]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /deliberate: eval option `shard`: `3\/3`: the shards of 3 are numbered 0 to 2/);
});

test("an item's shard is a fixed function of dataset name and item id (the same on every machine)", () => {
  // Pinned: a change here moves items between shards, so shards run by two versions would not merge.
  assert.equal(shardOf("gsm8k.jsonl", "0", 4), 3);
  assert.equal(shardOf("gsm8k.jsonl", "1", 4), 2);
  assert.equal(shardOf("gsm8k.jsonl", "item-17", 8), 3);
  assert.equal(shardOf("synthetic:arithmetic?difficulty=2&seed=3", "arithmetic-2-3-0", 3), 2);
  assert.equal(shardOf("math.jsonl", "test/algebra/1.json", 16), 9);
  // The dataset is part of the key: the same ids in another dataset land elsewhere.
  const moved = Array.from({ length: 100 }, (_, i) => String(i)).filter(
    (id) => shardOf("a.jsonl", id, 4) !== shardOf("b.jsonl", id, 4),
  );
  assert.ok(moved.length > 50, `${moved.length} of 100 ids change shard with the dataset`);
});

test("shards partition the items about evenly, each in dataset order", () => {
  for (const count of [2, 3, 7, 8, 16]) {
    const n = 1000 * count;
    const items = Array.from({ length: n }, (_, i) => ({ id: `item-${i}`, question: `q${i}` }));
    const dataset = { name: "gsm8k.jsonl", spec: "/data/gsm8k.jsonl", items };
    const shards = Array.from({ length: count }, (_, index) => shardDataset(dataset, { index, count }));
    const seen = new Map<string, number>();
    for (const [index, shard] of shards.entries()) {
      assert.equal(shard.name, dataset.name);
      assert.equal(shard.spec, dataset.spec);
      // ±10% of the mean (1000): the binomial spread is about ±3%.
      assert.ok(
        Math.abs(shard.items.length - 1000) < 100,
        `${count} shards: shard ${index} has ${shard.items.length}`,
      );
      const positions = shard.items.map((item) => Number(item.id.slice("item-".length)));
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
        "dataset order kept",
      );
      for (const item of shard.items) seen.set(item.id, (seen.get(item.id) ?? 0) + 1);
    }
    assert.equal(seen.size, n, "every item in some shard");
    assert.ok(
      [...seen.values()].every((times) => times === 1),
      "and in one only",
    );
  }
  // One shard is the whole dataset.
  const one = shardDataset({ name: "d", items: [{ id: "a" }, { id: "b" }] }, { index: 0, count: 1 });
  assert.deepEqual(
    one.items.map((i) => i.id),
    ["a", "b"],
  );
});
