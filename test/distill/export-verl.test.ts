/**
 * `verl/train.parquet` (and `verl/test.parquet` with a split) read back with hyparquet: true nested
 * columns (a LIST of message structs, struct columns, no JSON strings), every row checked against
 * verl's documented shape and then field by field against the prompts it came from.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { PromptRow } from "../../src/distill/types.ts";
import { exported } from "./fixtures/read-export.ts";
import { sampleDataset, subset } from "./fixtures/sample-dataset.ts";
import { verlRowSchema } from "./fixtures/trainer-schemas.ts";

async function readParquet(path: string) {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const rows = await parquetReadObjects({ file });
  return {
    metadata,
    rows: rows.map((row, i) => {
      // hyparquet gives a null struct (definition level below it) as undefined; pyarrow gives None.
      const extra = row.extra_info as Record<string, unknown>;
      assert.ok("tests" in extra, "the tests column is there, null or not");
      const parsed = verlRowSchema.safeParse({
        ...row,
        extra_info: { ...extra, tests: extra.tests ?? null },
      });
      assert.ok(parsed.success, `${path} row ${i}: ${parsed.success ? "" : parsed.error.message}`);
      return parsed.data;
    }),
  };
}

/** Each column as `name: type` down the schema tree: `prompt: LIST<list: REPEATED<element: {role, content}>>`. */
function describe(node: ReturnType<typeof parquetSchema>): string {
  const { element, children } = node;
  if (children.length === 0) return `${element.name}:${element.converted_type ?? element.type}`;
  const tag = element.converted_type ?? element.repetition_type;
  return `${element.name}:${tag}{${children.map(describe).join(",")}}`;
}

function expectedRow(prompt: PromptRow, split: "train" | "test", index: number, dataSource: string) {
  return {
    data_source: dataSource,
    prompt: [{ role: "user", content: prompt.question }],
    ability: prompt.kind,
    reward_model: { style: "rule", ground_truth: prompt.answer },
    extra_info: {
      split,
      index: BigInt(index),
      problem_id: prompt.id,
      pass_rate: prompt.passRate ?? null,
      difficulty: prompt.difficulty ?? null,
      kind: prompt.kind === "text" ? null : prompt.kind,
      tests: prompt.tests ?? null,
    },
  };
}

test("train.parquet: nested list and struct columns, one row per prompt, field by field", async () => {
  const data = sampleDataset();
  const dir = await exported(data);
  const { metadata, rows } = await readParquet(join(dir, "verl/train.parquet"));
  assert.equal(
    parquetSchema(metadata).children.map(describe).join(" "),
    [
      "data_source:UTF8",
      "prompt:LIST{list:REPEATED{element:REQUIRED{role:UTF8,content:UTF8}}}",
      "ability:UTF8",
      "reward_model:REQUIRED{style:UTF8,ground_truth:UTF8}",
      "extra_info:REQUIRED{split:UTF8,index:INT64,problem_id:UTF8,pass_rate:DOUBLE,difficulty:DOUBLE,kind:UTF8,tests:OPTIONAL{language:UTF8,code:UTF8}}",
    ].join(" "),
  );
  assert.ok(!metadata.schema.some((element) => element.converted_type === "JSON"), "no JSON-string columns");
  assert.equal(metadata.num_rows, BigInt(data.prompts.length));
  assert.deepEqual(
    rows,
    data.prompts.map((p, i) => expectedRow(p, "train", i, "deliberate/distill")),
  );
  assert.equal(existsSync(join(dir, "verl/test.parquet")), false);
});

test("extra_info: the reward service's kind (null for text), a code problem's tests (null for the others)", async () => {
  const data = sampleDataset();
  const { rows } = await readParquet(join(await exported(data), "verl/train.parquet"));
  assert.deepEqual(
    rows.map((row) => [row.ability, row.extra_info.kind, row.extra_info.tests]),
    [
      ["math", "math", null],
      ["math", "math", null],
      ["choice", "choice", null],
      ["code", "code", { language: "python", code: "assert add(2, 3) == 5\nassert add(-1, 1) == 0" }],
      ["text", null, null],
      ["math", "math", null],
    ],
  );
});

test("a test share splits the prompts into train and test files, by problem id, the same in any order", async () => {
  const data = sampleDataset();
  const options = { testFraction: 0.5, dataSource: "deliberate/sample", systemPrompt: "Be brief." };
  const dir = await exported(data, options);
  const train = (await readParquet(join(dir, "verl/train.parquet"))).rows;
  const test = (await readParquet(join(dir, "verl/test.parquet"))).rows;
  assert.equal(test.length, 3, "round(6 × 0.5)");
  const ids = (rows: typeof train) => rows.map((row) => row.extra_info.problem_id);
  assert.deepEqual([...ids(train), ...ids(test)].sort(), data.prompts.map((p) => p.id).sort());
  for (const [split, rows] of [
    ["train", train],
    ["test", test],
  ] as const) {
    const sources = ids(rows).map((id) => data.prompts.find((p) => p.id === id)!);
    // Each half keeps the input order and numbers its rows from 0.
    assert.deepEqual(
      sources.map((p) => data.prompts.indexOf(p)),
      [...sources.map((p) => data.prompts.indexOf(p))].sort((a, b) => a - b),
    );
    assert.deepEqual(
      rows,
      sources.map((p, i) => {
        const row = expectedRow(p, split, i, "deliberate/sample");
        return { ...row, prompt: [{ role: "system", content: "Be brief." }, ...row.prompt] };
      }),
    );
  }
  // The same problems are held out when the input comes in another order.
  const reversed = sampleDataset();
  reversed.prompts.reverse();
  const again = (await readParquet(join(await exported(reversed, options), "verl/test.parquet"))).rows;
  assert.deepEqual(ids(again).sort(), ids(test).sort());
});

test("no prompts: a valid train.parquet with no rows and the same columns", async () => {
  const empty = subset(() => false);
  const dir = await exported(empty);
  const { metadata, rows } = await readParquet(join(dir, "verl/train.parquet"));
  assert.equal(metadata.num_rows, 0n);
  assert.deepEqual(rows, []);
  assert.deepEqual(
    parquetSchema(metadata).children.map((child) => child.element.name),
    ["data_source", "prompt", "ability", "reward_model", "extra_info"],
  );
});
