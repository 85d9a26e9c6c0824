/**
 * No half file ever poses as complete: a process killed in the middle of a file leaves the old file
 * (or none) under the name and its bytes in a hidden temporary file; a failed export leaves no
 * `manifest.json`; a rewrite removes what the new export does not write. Empty record sets still
 * give valid (empty) files.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { writeFileAtomic } from "../../src/distill/export-files.ts";
import { writeDataset } from "../../src/distill/write-dataset.ts";
import { DeliberateError } from "../../src/errors.ts";
import { exported, freshFolder, readJsonl } from "./fixtures/read-export.ts";
import { sampleDataset } from "./fixtures/sample-dataset.ts";

const exportFiles = join(import.meta.dirname, "..", "..", "src", "distill", "export-files.ts");

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((path) => statSync(join(dir, path)).isFile())
    .map((path) => relative(dir, join(dir, path)))
    .sort();
}

/** Runs a child that writes `path` atomically and kills itself with SIGKILL after the first chunk. */
function crashWhileWriting(path: string): Promise<NodeJS.Signals | null> {
  const script = `
    const { writeFileAtomic } = await import(${JSON.stringify(exportFiles)});
    function* chunks() {
      yield "first half of the file\\n";
      process.kill(process.pid, "SIGKILL");
      yield "second half\\n";
    }
    await writeFileAtomic(${JSON.stringify(path)}, chunks());
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 120_000,
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) =>
      signal === "SIGKILL" ? resolve(signal) : reject(new Error(`exited ${code}: ${stderr}`)),
    );
  });
}

test("a process killed mid-file: the name holds the old file (or nothing), the bytes stay in a hidden .tmp", async () => {
  const dir = freshFolder();
  const fresh = join(dir, "sft.jsonl");
  assert.equal(await crashWhileWriting(fresh), "SIGKILL");
  assert.equal(existsSync(fresh), false, "no half file under the final name");
  const leftovers = listFiles(dir);
  assert.equal(leftovers.length, 1);
  assert.match(leftovers[0], /^\.sft\.jsonl\.\d+\.[0-9a-f]{8}\.tmp$/);
  assert.equal(readFileSync(join(dir, leftovers[0]), "utf8"), "first half of the file\n");

  const existing = join(dir, "prompts.jsonl");
  writeFileSync(existing, '{"id":"old"}\n');
  await crashWhileWriting(existing);
  assert.equal(readFileSync(existing, "utf8"), '{"id":"old"}\n', "the previous file, whole");
});

test("a failure while producing a file removes its temporary file and keeps the old one", async () => {
  const dir = freshFolder();
  const path = join(dir, "traces.jsonl");
  writeFileSync(path, "old\n");
  function* failing() {
    yield "new\n";
    throw new Error("serialiser broke");
  }
  await assert.rejects(writeFileAtomic(path, failing()), (error: unknown) => {
    assert.ok(DeliberateError.isInstance(error));
    assert.equal(error.code, "INTERNAL");
    assert.match(error.message, /traces\.jsonl: serialiser broke/);
    return true;
  });
  assert.equal(readFileSync(path, "utf8"), "old\n");
  assert.deepEqual(listFiles(dir), ["traces.jsonl"]);
});

test("an export that fails part way leaves no manifest.json: the folder does not claim to be complete", async () => {
  const data = sampleDataset();
  const dir = await exported(data);
  assert.ok(existsSync(join(dir, "manifest.json")));
  // A folder (not empty) where a file must go: the rename onto it fails.
  rmSync(join(dir, "openrlhf", "prompts.jsonl"));
  mkdirSync(join(dir, "openrlhf", "prompts.jsonl", "blocker"), { recursive: true });
  await assert.rejects(writeDataset(dir, data), (error: unknown) => {
    assert.ok(DeliberateError.isInstance(error));
    assert.equal(error.code, "BAD_REQUEST");
    assert.equal(error.param, "dir");
    assert.match(error.message, /cannot write the dataset file .*openrlhf\/prompts\.jsonl/);
    return true;
  });
  assert.equal(existsSync(join(dir, "manifest.json")), false);
  assert.ok(!listFiles(dir).some((file) => file.endsWith(".tmp")), "no temporary files left");
});

test("a rewrite without a split removes the older export's test.parquet; no temporary files remain", async () => {
  const data = sampleDataset();
  const dir = await exported(data, { testFraction: 0.5 });
  assert.ok(existsSync(join(dir, "verl/test.parquet")));
  await writeDataset(dir, data);
  assert.deepEqual(listFiles(dir), [
    "README.md",
    "dpo.jsonl",
    "manifest.json",
    "openrlhf/dpo.jsonl",
    "openrlhf/prompts.jsonl",
    "openrlhf/sft.jsonl",
    "prompts.jsonl",
    "sft.jsonl",
    "traces.jsonl",
    "trl/dpo.jsonl",
    "trl/grpo.jsonl",
    "trl/sft.jsonl",
    "verl/train.parquet",
  ]);
});

test("no DPO pairs: the three DPO files exist, empty, and read as zero rows", async () => {
  const data = sampleDataset();
  data.dpo = [];
  data.manifest.counts.dpoPairs = 0;
  const dir = await exported(data);
  for (const file of ["dpo.jsonl", "trl/dpo.jsonl", "openrlhf/dpo.jsonl"]) {
    assert.equal(statSync(join(dir, file)).size, 0, file);
    assert.deepEqual(readJsonl(join(dir, file)), [], file);
  }
  assert.match(readFileSync(join(dir, "README.md"), "utf8"), /\| `trl\/dpo\.jsonl` \| 0 \|/);
});
