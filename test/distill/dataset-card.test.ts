/**
 * The dataset card: Hub front matter whose configs point at the files written, the manifest's
 * teachers, settings and counts, its two histograms row by row, and each trainer's file and flags.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { bar } from "../../src/distill/dataset-card.ts";
import { writeDataset } from "../../src/distill/write-dataset.ts";
import { DeliberateError } from "../../src/errors.ts";
import { exported, freshFolder } from "./fixtures/read-export.ts";
import { manifest, sampleDataset } from "./fixtures/sample-dataset.ts";

async function card(options?: Parameters<typeof writeDataset>[2]): Promise<{ dir: string; text: string }> {
  const dir = await exported(sampleDataset(), options);
  return { dir, text: readFileSync(join(dir, "README.md"), "utf8") };
}

/** The YAML between the leading `---` lines. */
function frontMatter(text: string): Record<string, unknown> {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  assert.ok(match, "front matter at the top");
  return parse(match[1]) as Record<string, unknown>;
}

/** The table rows under a heading: each row's cells, the header and divider left out. */
function tableUnder(text: string, heading: string): string[][] {
  const start = text.indexOf(`## ${heading}\n`);
  assert.ok(start >= 0, `heading ${heading}`);
  const lines = text.slice(start).split("\n");
  const first = lines.findIndex((line) => line.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

interface Config {
  config_name: string;
  default?: boolean;
  data_files: Array<{ split: string; path: string }>;
}

test("front matter: Hub metadata, and one config per export whose files all exist", async () => {
  const { dir, text } = await card({ testFraction: 0.5 });
  const meta = frontMatter(text);
  assert.equal(meta.license, "other");
  assert.deepEqual(meta.task_categories, ["text-generation", "question-answering"]);
  assert.deepEqual(meta.size_categories, ["n<1K"]);
  const configs = meta.configs as Config[];
  assert.deepEqual(
    configs.map((c) => c.config_name),
    [
      "sft",
      "prompts",
      "dpo",
      "traces",
      "trl_sft",
      "trl_dpo",
      "trl_grpo",
      "openrlhf_sft",
      "openrlhf_dpo",
      "openrlhf_prompts",
      "verl",
    ],
  );
  assert.deepEqual(
    configs.filter((c) => c.default).map((c) => c.config_name),
    ["sft"],
  );
  assert.deepEqual(configs.at(-1)!.data_files, [
    { split: "train", path: "verl/train.parquet" },
    { split: "test", path: "verl/test.parquet" },
  ]);
  for (const config of configs) {
    for (const file of config.data_files) assert.ok(existsSync(join(dir, file.path)), file.path);
  }
});

test("teachers with their accuracy, settings escaped for tables, and the manifest's counts", async () => {
  const { text } = await card();
  assert.deepEqual(tableUnder(text, "Teachers"), [
    ["`hf:Qwen/Qwen3-0.6B-GGUF:Q8_0`", "4", "4", "100.0%"],
    ["`openai:llama-3.2-1b@http://127.0.0.1:8080/v1`", "6", "2", "33.3%"],
  ]);
  const settings = new Map(tableUnder(text, "Settings").map(([key, value]) => [key, value]));
  assert.equal(settings.get("`temperature`"), "`0.7`");
  assert.equal(settings.get("`note`"), "`a\\|b`", "a | inside a cell is escaped");
  const counts = tableUnder(text, "Counts").slice(0, 9);
  const c = manifest.counts;
  assert.deepEqual(
    counts.map(([, n]) => Number(n)),
    [
      manifest.dataset.problems,
      c.traces,
      c.correct,
      c.exactDuplicates,
      c.nearDuplicates,
      c.rationalized,
      c.kept,
      c.dpoPairs,
      c.unsolved,
    ],
  );
  assert.match(text, /4 of the 6 kept traces are thinking-style/);
});

test("pass-rate histogram: one row per bin with the manifest's counts, the last bin closed, bars to scale", async () => {
  const { text } = await card();
  const rows = tableUnder(text, "Pass rate per problem");
  assert.deepEqual(
    rows.map(([bin]) => bin),
    [
      ...manifest.passRates.edges.slice(0, -1).map((lo, i) => `[${lo}, ${manifest.passRates.edges[i + 1]})`),
      "[0.9, 1]",
    ],
  );
  assert.deepEqual(
    rows.map(([, count]) => Number(count)),
    manifest.passRates.counts,
  );
  // The largest bin (2 problems) gets the full 30 cells; a bin of 1 half of them; empty bins none.
  assert.deepEqual(
    rows.map(([, , , cells]) => cells),
    manifest.passRates.counts.map((n) => "█".repeat(15 * n)),
  );
  assert.equal(rows[5][2], "33.3%");
});

test("length histogram: the manifest's bins up to its max, and mean, median, p90 and max", async () => {
  const { text } = await card();
  assert.deepEqual(
    tableUnder(text, "Length of the kept traces").map(([bin, count]) => [bin, Number(count)]),
    [
      ["[0, 16)", 2],
      ["[16, 32)", 3],
      ["[32, 40]", 1],
    ],
  );
  assert.match(text, /mean 22\.3, median 18, p90 40, max 40\./);
});

test("which file each trainer reads, with the flags that read it", async () => {
  const { text } = await card({ dataSource: "deliberate/sample" });
  for (const needle of [
    'load_dataset("json", data_files=f"{DATASET}/trl/sft.jsonl", split="train")',
    "SFTTrainer(",
    "DPOTrainer(",
    "GRPOTrainer(",
    "def reward_func(prompts, completions, ground_truth, **kwargs):",
    "openrlhf.cli.train_sft",
    "--dataset $DATASET/openrlhf/sft.jsonl --input_key input --output_key output --apply_chat_template",
    "--dataset $DATASET/openrlhf/dpo.jsonl --prompt_key prompt --chosen_key chosen --rejected_key rejected",
    "--prompt_data $DATASET/openrlhf/prompts.jsonl --input_key input --label_key label --apply_chat_template",
    "--remote_rm_url http://127.0.0.1:8088/openrlhf",
    "data.train_files=$DATASET/verl/train.parquet data.val_files=$DATASET/verl/train.parquet",
    "custom_reward_function.path=docs/rewards/verl_compute_score.py",
    "`data_source` (`deliberate/sample`)",
    "deliberate eval -m $MODEL -d $DATASET/prompts.jsonl",
  ]) {
    assert.ok(text.includes(needle), `the card has ${needle}`);
  }
  const files = tableUnder(text, "Files");
  assert.deepEqual(
    files.map(([file, rows]) => [file, Number(rows)]),
    [
      ["`sft.jsonl`", 6],
      ["`prompts.jsonl`", 6],
      ["`dpo.jsonl`", 3],
      ["`traces.jsonl`", 10],
      ["`trl/sft.jsonl`", 6],
      ["`trl/dpo.jsonl`", 3],
      ["`trl/grpo.jsonl`", 6],
      ["`openrlhf/sft.jsonl`", 6],
      ["`openrlhf/dpo.jsonl`", 3],
      ["`openrlhf/prompts.jsonl`", 6],
      ["`verl/train.parquet`", 6],
    ],
  );
  const split = await card({ testFraction: 0.5, systemPrompt: "Think first.\nThen answer." });
  assert.ok(split.text.includes("data.val_files=$DATASET/verl/test.parquet"));
  assert.ok(split.text.includes("> Think first.\n> Then answer."));
});

test("bars: eighths of a cell, a non-zero count always visible, nothing for zero", () => {
  assert.equal(bar(8, 8), "█".repeat(30));
  assert.equal(bar(1, 8), "███▊", "30/8 = 3.75 cells");
  assert.equal(bar(1, 1000), "▏");
  assert.equal(bar(0, 5), "");
});

test("a histogram whose edges do not fit its counts is refused before any file is written", async () => {
  const data = sampleDataset();
  data.manifest.passRates.edges = [0, 0.5];
  const dir = join(freshFolder(), "out");
  await assert.rejects(writeDataset(dir, data), (error: unknown) => {
    assert.ok(DeliberateError.isInstance(error));
    assert.equal(error.code, "BAD_REQUEST");
    assert.equal(error.param, "manifest.passRates");
    assert.match(error.message, /2 edges for 10 bins/);
    return true;
  });
  assert.equal(existsSync(dir), false);
});
