// `deliberate train --data` (SFT on a file) and `--stage dpo` through the real CLI in a child process.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runCli } from "../helpers/cli.ts";
import { dpoRows, sftRows, writeJsonl } from "./helpers/data-files.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-data-cli-"));
after(() => rm(dir, { recursive: true, force: true }));

test("deliberate train --data, then --stage dpo --data --init: each prints JSON and writes checkpoint, log and GGUF; train report draws DPO's charts", async () => {
  const traces = await writeJsonl(join(dir, "sft.jsonl"), sftRows({ n: 120, answerOnlyEvery: 5 }));
  const sftOut = join(dir, "sft");
  const sft = await runCli([
    "train",
    "--data",
    traces,
    "--valid-size",
    "5",
    "--max-steps",
    "3",
    "--minutes",
    "5",
    "--threads",
    "1",
    "--out",
    sftOut,
    "--json",
    "--progress",
    "lines",
  ]);
  assert.equal(sft.code, 0, sft.stderr);
  const sftResult = JSON.parse(sft.stdout);
  // --max-steps bounds every stage, so a run is the same size on any machine under any load.
  assert.equal(sftResult.steps, 3);
  assert.equal(sftResult.stopReason, "steps");
  for (const file of ["checkpoint.bin", "log.jsonl", "model.gguf"])
    assert.ok(existsSync(join(sftOut, file)), file);
  const start = JSON.parse(readFileSync(join(sftOut, "log.jsonl"), "utf8").split("\n")[0]);
  assert.equal(start.options.data, traces);
  assert.equal(start.validProblems, 5);
  assert.match(sft.stderr, /^sft \d+% \| step 1\/3 \| loss \d+\.\d{3} \|/m);

  const pairs = await writeJsonl(join(dir, "dpo.jsonl"), dpoRows({ n: 60 }));
  const dpoOut = join(dir, "dpo");
  const dpo = await runCli([
    "train",
    "--stage",
    "dpo",
    "--data",
    pairs,
    "--init",
    join(sftOut, "checkpoint.bin"),
    "--beta",
    "0.2",
    "--nll-weight",
    "0.5",
    "--max-steps",
    "2",
    "--minutes",
    "5",
    "--threads",
    "1",
    "--out",
    dpoOut,
    "--progress",
    "lines",
  ]);
  assert.equal(dpo.code, 0, dpo.stderr);
  assert.match(dpo.stdout, /^stopped: steps after 2 DPO steps on \d+ pairs/m);
  assert.match(dpo.stdout, /^held-out pairs \(3\): preference 0\.0% → /m);
  assert.match(dpo.stderr, /^dpo \d+% \| step 1\/2 \| loss \d+\.\d{3} \| margin -?\d+\.\d{3} \|/m);
  for (const file of ["checkpoint.bin", "log.jsonl", "model.gguf"])
    assert.ok(existsSync(join(dpoOut, file)), file);
  const dpoStart = JSON.parse(readFileSync(join(dpoOut, "log.jsonl"), "utf8").split("\n")[0]);
  assert.equal(dpoStart.options.beta, 0.2);
  assert.equal(dpoStart.options.nllWeight, 0.5);
  assert.equal(dpoStart.options.init, join(sftOut, "checkpoint.bin"));
  const report = await runCli(["train", "report", dpoOut]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(
    report.stdout,
    /report\.html \(\d+ charts: loss, lr, accuracy, dpo-margin, dpo-preference, dpo-shift, dpo-nll, grad-norm\)/,
  );
});

test("deliberate train: --data and --stage dpo mistakes are refused with what is wrong", async () => {
  const missing = await runCli(["train", "--data", join(dir, "nope.jsonl"), "--minutes", "0.02"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read the data file .*nope\.jsonl: no such file/);
  const noData = await runCli(["train", "--stage", "dpo", "--init", join(dir, "x.bin")]);
  assert.equal(noData.code, 2);
  assert.match(noData.stderr, /--stage dpo needs --data/);
  const pairs = await writeJsonl(join(dir, "pairs.jsonl"), dpoRows({ n: 5 }));
  const noInit = await runCli(["train", "--stage", "dpo", "--data", pairs]);
  assert.equal(noInit.code, 2);
  assert.match(noInit.stderr, /--stage dpo needs --init/);
  const negative = await runCli(["train", "--stage", "dpo", "--data", pairs, "--nll-weight", "-1"]);
  assert.equal(negative.code, 2);
  assert.match(negative.stderr, /--nll-weight.*expected a number >= 0/);
  const grpo = await runCli(["train", "--stage", "grpo", "--task", "modular", "--data", pairs]);
  assert.equal(grpo.code, 2);
  assert.match(grpo.stderr, /--data works with --stage sft or dpo, not grpo/);
  const noTask = await runCli(["train", "--minutes", "0.02"]);
  assert.equal(noTask.code, 2);
  assert.match(noTask.stderr, /required option '--task <name>' not specified/);
});
