/**
 * The plain files: `traces.jsonl`, `sft.jsonl`, `dpo.jsonl`, `prompts.jsonl` hold the records' own
 * fields and nothing else, `manifest.json` the manifest; the eval harness reads `sft.jsonl` and
 * `prompts.jsonl` back as datasets. Bad input is refused, naming what is wrong, before any file.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { SftRow } from "../../src/distill/types.ts";
import { writeDataset } from "../../src/distill/write-dataset.ts";
import { DeliberateError } from "../../src/errors.ts";
import { loadDataset } from "../../src/eval/datasets/load-dataset.ts";
import { exported, freshFolder, readJsonl } from "./fixtures/read-export.ts";
import { sampleDataset, subset } from "./fixtures/sample-dataset.ts";

async function rejectsWith(promise: Promise<unknown>, param: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(DeliberateError.isInstance(error), "a DeliberateError");
    assert.equal(error.code, "BAD_REQUEST");
    assert.equal(error.param, param);
    assert.match(error.message, pattern);
    return true;
  });
}

test("each plain file holds its records, one per line, in order; manifest.json is the manifest", async () => {
  const data = sampleDataset();
  const dir = await exported(data);
  assert.deepEqual(readJsonl(join(dir, "traces.jsonl")), data.traces);
  assert.deepEqual(readJsonl(join(dir, "sft.jsonl")), data.sft);
  assert.deepEqual(readJsonl(join(dir, "dpo.jsonl")), data.dpo);
  assert.deepEqual(readJsonl(join(dir, "prompts.jsonl")), data.prompts);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")), data.manifest);
});

test("a row's extra properties stay out of the files; fields come in the type's order", async () => {
  const data = sampleDataset();
  // A trace spread into an SFT row: its `text`, `correct` and `predicted` must not leak.
  data.sft[0] = { ...data.traces[0], ...data.sft[0] } as SftRow;
  (data.prompts[0] as unknown as Record<string, unknown>).internal = "scratch";
  const dir = await exported(data);
  const first = readJsonl(join(dir, "sft.jsonl"))[0] as Record<string, unknown>;
  assert.deepEqual(Object.keys(first), [
    "id",
    "question",
    "answer",
    "solution",
    "kind",
    "difficulty",
    "teacher",
    "source",
    "passRate",
    "tokens",
  ]);
  assert.ok(!("internal" in (readJsonl(join(dir, "prompts.jsonl"))[0] as object)));
});

test("the eval harness reads sft.jsonl and prompts.jsonl back: ids, questions, gold answers, difficulty", async () => {
  // Math and text problems: the plain layout's answers are their gold answers as written, and each
  // row's own kind is kept.
  const data = subset((p) => p.kind === "math" || p.kind === "text");
  const dir = await exported(data);
  const sft = await loadDataset(join(dir, "sft.jsonl"));
  assert.deepEqual(
    sft.items.map((item) => [item.id, item.question, item.gold, item.difficulty, item.kind]),
    data.sft.map((row) => [row.id, row.question, row.answer, row.difficulty, row.kind]),
  );
  const prompts = await loadDataset(join(dir, "prompts.jsonl"));
  assert.deepEqual(
    prompts.items.map((item) => [item.id, item.question, item.gold, item.difficulty]),
    data.prompts.map((row) => [row.id, row.question, row.answer, row.difficulty]),
  );
  assert.equal(prompts.name, "prompts");
});

test("the eval harness reads a choice set back with its kind given, gold as the letter", async () => {
  const data = subset((p) => p.kind === "choice");
  const dir = await exported(data);
  for (const file of ["sft.jsonl", "prompts.jsonl"]) {
    const { items } = await loadDataset(join(dir, file), { kind: "choice" });
    assert.deepEqual(
      items.map((item) => [item.question, item.gold, item.kind]),
      [[data.prompts[0].question, "B", "choice"]],
      file,
    );
  }
});

test("duplicate ids are refused before anything is written, naming the file and the rows", async () => {
  const data = sampleDataset();
  data.sft.push({ ...data.sft[1] });
  const dir = join(freshFolder(), "out");
  await rejectsWith(
    writeDataset(dir, data),
    "sft",
    /`sft` rows 1 and 6 share the id `add-1\/llama\/sample\/0`/,
  );
  assert.equal(existsSync(dir), false, "no folder");
});

test("options are checked: unknown names, an empty data source, a test share outside [0, 1)", async () => {
  const dir = join(freshFolder(), "out");
  const data = sampleDataset();
  await rejectsWith(
    writeDataset(dir, data, { testFraction: 1 }),
    "testFraction",
    /writeDataset option `testFraction`/,
  );
  await rejectsWith(writeDataset(dir, data, { testFraction: -0.1 }), "testFraction", /`testFraction`/);
  await rejectsWith(writeDataset(dir, data, { dataSource: "" }), "dataSource", /`dataSource`/);
  await rejectsWith(
    writeDataset(dir, data, { system: "x" } as unknown as Parameters<typeof writeDataset>[2]),
    "system",
    /system/,
  );
  await rejectsWith(writeDataset("  ", data), "dir", /`dir`/);
  assert.equal(existsSync(dir), false, "no folder");
});
