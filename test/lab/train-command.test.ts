// The `deliberate train` shell end to end, in a child process: flags in, a run's summary and files out.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-cli-"));
after(() => rm(dir, { recursive: true, force: true }));
const bin = join(import.meta.dirname, "../../bin/deliberate.js");

function deliberate(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
}

test("deliberate train: a short sft run prints JSON and writes checkpoint, log and GGUF", () => {
  const out = join(dir, "run");
  const run = deliberate(
    "train",
    "--task",
    "modular",
    "--minutes",
    "0.02",
    "--threads",
    "1",
    "--out",
    out,
    "--json",
  );
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.stopReason, "time");
  assert.ok(result.steps >= 1);
  assert.equal(result.config.dim, 48);
  for (const file of ["checkpoint.bin", "log.jsonl", "model.gguf"])
    assert.ok(existsSync(join(out, file)), file);
  // Not a terminal: progress comes as lines on stderr (stdout stays the JSON), the first at step 1.
  assert.match(
    run.stderr,
    /^sft \d+% \| step 1 \| loss \d+\.\d{3} \| tok\/s \d+ \| acc - \| ETA \d+s \(time budget\)$/m,
  );
});

test("deliberate train: unknown tasks and bad numbers are refused before any work", () => {
  const task = deliberate("train", "--task", "poetry");
  assert.notEqual(task.status, 0);
  assert.match(task.stderr, /Allowed choices are arithmetic/);
  const minutes = deliberate("train", "--task", "modular", "--minutes", "soon");
  assert.notEqual(minutes.status, 0);
  assert.match(minutes.stderr, /expected a number/);
  const progress = deliberate("train", "--task", "modular", "--progress", "loud");
  assert.notEqual(progress.status, 0);
  assert.match(progress.stderr, /Allowed choices are auto, bar, lines, none/);
});

test("deliberate train --stage all: SFT, then the verifier and GRPO from its checkpoint, each in its folder", () => {
  const out = join(dir, "all");
  const run = spawnSync(
    process.execPath,
    [
      bin,
      "train",
      "--task",
      "modular",
      "--stage",
      "all",
      "--minutes",
      "0.02",
      "--threads",
      "1",
      "--problems",
      "4",
      "--verifier-samples",
      "2",
      "--out",
      out,
    ],
    { encoding: "utf8", timeout: 120_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  // Each stage reports its progress under its own name; the verifier's step limit shows.
  assert.match(run.stderr, /^sft \d+% \| step \d+ \|/m);
  assert.match(run.stderr, /^verifier: sampling 2 answers to each of 4 problems from /m);
  assert.match(run.stderr, /^verifier \d+% \| step \d+\/600 \| loss /m);
  assert.match(run.stderr, /^grpo \d+% \| step \d+ \| reward /m);
  for (const stage of ["sft", "verifier", "grpo"]) {
    for (const file of ["checkpoint.bin", "log.jsonl", "model.gguf"])
      assert.ok(existsSync(join(out, stage, file)), `${stage}/${file}`);
  }
  const grpoStart = JSON.parse(readFileSync(join(out, "grpo", "log.jsonl"), "utf8").split("\n")[0]);
  assert.equal(grpoStart.options.init, join(out, "sft", "checkpoint.bin"));
});
