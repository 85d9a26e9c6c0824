// `deliberate train --stage prm` in a child process: flags in, the summary and files out, and the
// errors that name the option.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runSft } from "../../../src/lab/train/sft.ts";
import { runCli } from "../../helpers/cli.ts";
import { smokeOptions } from "../helpers/smoke-options.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-prm-cli-"));
after(() => rm(dir, { recursive: true, force: true }));

test("deliberate train --stage prm: a small run prints its result as JSON, sampling progress on stderr, and writes its files", async () => {
  const sft = await runSft({ ...smokeOptions(join(dir, "sft")), maxSteps: 5 });
  const out = join(dir, "prm");
  const run = await runCli([
    "train",
    "--stage",
    "prm",
    "--init",
    join(dir, "sft"),
    "--problems",
    "2",
    "--held-out-problems",
    "1",
    "--prm-samples",
    "2",
    "--rollouts",
    "2",
    "--max-steps",
    "3",
    "--batch-size",
    "4",
    "--threads",
    "1",
    "--verifier",
    sft.checkpointPath,
    "--out",
    out,
    "--progress",
    "lines",
    "--json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.steps, 3);
  assert.equal(result.trainSamples, 4);
  assert.equal(result.heldOut.solutions, 2);
  assert.equal(result.verifier.samples, 2);
  for (const file of ["checkpoint.bin", "log.jsonl", "prm-samples.jsonl", "model.gguf"])
    assert.ok(existsSync(join(out, file)), file);
  assert.match(
    run.stderr,
    /^prm: 2 solutions to each problem and 2 rollouts from each of their step prefixes, by /m,
  );
  assert.match(run.stderr, /^prm: sampled and labelled 3\/3 problems \(\d+ s\)$/m);
  assert.match(run.stderr, /^prm \d+% \| step 1\/3 \| loss \d+\.\d{3} \| step AUC - \|/m);
  // A second run trains on the first one's samples, twice over, towards hard labels: no sampling.
  const joined = join(dir, "joined");
  const again = await runCli([
    "train",
    "--stage",
    "prm",
    "--init",
    join(dir, "sft"),
    "--prm-samples-from",
    out,
    "--prm-samples-from",
    join(out, "prm-samples.jsonl"),
    "--prm-labels",
    "hard",
    "--prm-eval-samples",
    "1",
    "--max-steps",
    "2",
    "--batch-size",
    "4",
    "--threads",
    "1",
    "--out",
    joined,
    "--progress",
    "lines",
    "--json",
  ]);
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout);
  assert.equal(second.trainSamples, 8);
  assert.equal(second.heldOut.solutions, 4);
  assert.equal(second.samplingMs, 0);
  assert.match(again.stderr, /^prm: training on the labelled samples of .*prm, .*prm-samples\.jsonl…$/m);
  assert.doesNotMatch(again.stderr, /sampled and labelled/);
  // `train report` on the run draws the PRM's decision chart (a 5-step SFT policy solves nothing, so
  // every label is 0 and there is no AUC to draw; prm-report.test.ts has one).
  const report = await runCli(["train", "report", out]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /charts: loss, lr, prm-decision, grad-norm/);
});

test("deliberate train --stage prm: bad flags are refused naming the option, before any work", async () => {
  const rollouts = await runCli(["train", "--stage", "prm", "--task", "sums", "--rollouts", "0"]);
  assert.notEqual(rollouts.code, 0);
  assert.match(rollouts.stderr, /option '--rollouts <k>' argument '0' is invalid/);
  const samples = await runCli(["train", "--stage", "prm", "--task", "sums", "--prm-samples", "two"]);
  assert.notEqual(samples.code, 0);
  assert.match(samples.stderr, /option '--prm-samples <n>' argument 'two' is invalid/);
  const labels = await runCli(["train", "--stage", "prm", "--task", "sums", "--prm-labels", "fuzzy"]);
  assert.notEqual(labels.code, 0);
  assert.match(
    labels.stderr,
    /option '--prm-labels <kind>' argument 'fuzzy' is invalid. Allowed choices are soft, hard/,
  );
  const data = await runCli(["train", "--stage", "prm", "--task", "sums", "--data", "x.jsonl"]);
  assert.notEqual(data.code, 0);
  assert.match(data.stderr, /--data works with --stage sft or dpo, not prm/);
  const nothing = await runCli(["train", "--stage", "prm"]);
  assert.notEqual(nothing.code, 0);
  assert.match(nothing.stderr, /required option '--task <name>' not specified/);
  const builtin = await runCli([
    "train",
    "--stage",
    "prm",
    "--init",
    "builtin:tiny-reasoner-sfx",
    "--out",
    join(dir, "x"),
  ]);
  assert.notEqual(builtin.code, 0);
  assert.match(builtin.stderr, /unknown builtin model `tiny-reasoner-sfx`; did you mean `tiny-reasoner-sft`/);
  const policy = await runCli([
    "train",
    "--stage",
    "prm",
    "--init",
    "builtin:tiny-reasoner-sft",
    "--policy",
    join(dir, "nowhere"),
    "--out",
    join(dir, "y"),
  ]);
  assert.notEqual(policy.code, 0);
  assert.match(policy.stderr, /no checkpoint at .*nowhere/);
  assert.ok(!existsSync(join(dir, "y", "prm-samples.jsonl")), "nothing was sampled");
});
