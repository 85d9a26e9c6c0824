// The DPO stage end to end on a tiny SFT checkpoint: logs, checkpoint, report, resume, refusals.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { writeReport } from "../../../src/lab/report/write-report.ts";
import { loadCheckpoint, saveCheckpoint } from "../../../src/lab/train/checkpoint.ts";
import { type DpoOptions, runDpo } from "../../../src/lab/train/dpo.ts";
import { runSft } from "../../../src/lab/train/sft.ts";
import { dpoRows, writeJsonl } from "../helpers/data-files.ts";
import { smokeOptions } from "../helpers/smoke-options.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-dpo-"));
after(() => rm(dir, { recursive: true, force: true }));

const sft = await runSft({ ...smokeOptions(join(dir, "sft")), maxSteps: 40 });
const pairs = await writeJsonl(join(dir, "dpo.jsonl"), dpoRows({ n: 80 }));

function dpoOptions(outDir: string, overrides: Partial<DpoOptions> = {}): DpoOptions {
  return {
    init: sft.checkpointPath,
    data: pairs,
    outDir,
    threads: 1,
    batchSize: 4,
    lr: 1e-3,
    warmupSteps: 2,
    logEvery: 3,
    evalEvery: 6,
    evalProblems: 3,
    validSize: 4,
    exportGguf: false,
    ...overrides,
  };
}

async function records(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

test("dpo stage: starts at Δ = 0 (loss ln 2), logs loss, margin, preference and log-prob shifts, evaluates, exports, and reports", async () => {
  const outDir = join(dir, "run");
  const result = await runDpo(dpoOptions(outDir, { maxSteps: 12, exportGguf: true }));
  assert.equal(result.stopReason, "steps");
  assert.equal(result.steps, 12);
  assert.equal(result.trainPairs, 76);
  // At the start the policy is the reference: every held-out pair has margin 0 and loss ln 2.
  assert.ok(Math.abs(result.initialEval.validLoss - Math.LN2) < 1e-3);
  assert.equal(result.initialEval.validMargin, 0);
  assert.equal(result.initialEval.validPreference, 0);
  assert.equal(result.initialEval.pairs, 4);
  assert.equal(result.initialEval.problems, 3);
  assert.ok(result.referencePairs > 0 && result.referencePairs <= 48 + 4);
  const log = await records(result.logPath);
  assert.deepEqual(
    log.map((r) => r.type),
    ["start", "train", "train", "eval", "train", "train", "eval", "stop"],
  );
  const start = log[0];
  assert.equal((start.options as Record<string, unknown>).stage, "dpo");
  assert.equal((start.options as Record<string, unknown>).beta, 0.1);
  assert.equal((start.options as Record<string, unknown>).nllWeight, 0);
  assert.equal(start.greedy, result.initialEval.greedy);
  for (const train of log.filter((r) => r.type === "train")) {
    for (const key of [
      "loss",
      "margin",
      "preference",
      "chosenShift",
      "rejectedShift",
      "chosenNll",
      "gradNorm",
      "lr",
    ])
      assert.equal(typeof train[key], "number", `${key} in ${JSON.stringify(train)}`);
    assert.ok((train.preference as number) >= 0 && (train.preference as number) <= 1);
  }
  const evals = log.filter((r) => r.type === "eval");
  assert.deepEqual(
    evals.map((e) => e.step),
    [6, 12],
  );
  assert.equal(typeof evals[1].validMargin, "number");
  assert.ok((evals[1].validChosenNll as number) > 0);
  assert.ok(existsSync(join(outDir, "model.gguf")));
  const checkpoint = await loadCheckpoint(result.checkpointPath);
  assert.equal(checkpoint.header.step, 12);
  // GRPO and the verifier after DPO find the SFT task through the nested options.
  assert.equal((checkpoint.header.options.sft as Record<string, unknown>).task, "modular");
  const report = await writeReport(outDir);
  for (const id of [
    "loss",
    "lr",
    "accuracy",
    "dpo-margin",
    "dpo-preference",
    "dpo-shift",
    "dpo-nll",
    "grad-norm",
  ])
    assert.ok(report.charts.includes(id), `chart ${id} in ${report.charts}`);
  const html = await readFile(report.path, "utf8");
  assert.match(html, /preference pairs/);
});

test("dpo resume: aborted after step 6 and resumed to 12 gives the weights and log lines of 12 steps straight", async () => {
  const straight = await runDpo(dpoOptions(join(dir, "straight"), { maxSteps: 12 }));
  const split = join(dir, "split");
  const controller = new AbortController();
  const first = await runDpo(
    dpoOptions(split, {
      maxSteps: 12,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 6) controller.abort();
      },
    }),
  );
  assert.equal(first.stopReason, "aborted");
  assert.equal(first.steps, 6);
  const resumed = await runDpo(dpoOptions(split, { maxSteps: 12 }));
  assert.equal(resumed.resumedFrom, 6);
  assert.equal(resumed.steps, 12);
  const a = await loadCheckpoint(straight.checkpointPath);
  const b = await loadCheckpoint(resumed.checkpointPath);
  assert.deepEqual(b.params, a.params);
  assert.deepEqual(b.v, a.v);
  // Same step count and the same loss, margin and preference sequence (timings aside).
  const numbers = async (path: string) =>
    (await records(path))
      .filter((r) => r.type === "train" || r.type === "eval")
      .map(({ elapsedMs: _e, tokensPerSecond: _t, ...rest }) => rest);
  assert.deepEqual(await numbers(resumed.logPath), await numbers(straight.logPath));
});

test("dpo --nll-weight: the loss adds α × the chosen responses' per-token NLL, logged apart as chosenNll", async () => {
  const result = await runDpo(dpoOptions(join(dir, "rpo"), { nllWeight: 1, maxSteps: 3, evalProblems: 1 }));
  const start = result.initialEval;
  // At the start the DPO part is still ln 2; the held-out loss adds 1 × their NLL per token.
  assert.ok(start.validChosenNll > 0);
  assert.ok(Math.abs(start.validLoss - (Math.LN2 + start.validChosenNll)) < 1e-3, JSON.stringify(start));
  const log = await records(result.logPath);
  assert.equal((log[0].options as Record<string, unknown>).nllWeight, 1);
  const train = log.filter((r) => r.type === "train");
  assert.ok(train.length > 0);
  // The window's loss is at least its NLL share (the DPO part is positive).
  for (const r of train) assert.ok((r.loss as number) > (r.chosenNll as number), JSON.stringify(r));
});

test("dpo refuses: a resume from another init, β or NLL weight, a changed data file, β ≤ 0, α < 0, and data outside the checkpoint's vocabulary", async () => {
  const outDir = join(dir, "refusals");
  const data = await writeJsonl(join(dir, "refusals.jsonl"), dpoRows({ n: 20 }));
  await runDpo(dpoOptions(outDir, { data, maxSteps: 2, validSize: 2 }));
  await assert.rejects(
    runDpo(dpoOptions(outDir, { data, beta: 0.2, maxSteps: 3, validSize: 2 })),
    /checkpoint\.bin trained with β 0\.1, not 0\.2; use another --out or delete it/,
  );
  await assert.rejects(
    runDpo(dpoOptions(outDir, { data, nllWeight: 1, maxSteps: 3, validSize: 2 })),
    /checkpoint\.bin trained with NLL weight 0, not 1; use another --out or delete it/,
  );
  // A checkpoint from before `nllWeight` existed was pure DPO: it resumes with α = 0 and refuses α = 1.
  const checkpointPath = join(outDir, "checkpoint.bin");
  const saved = await loadCheckpoint(checkpointPath);
  const { nllWeight: _dropped, ...older } = saved.header.options;
  await saveCheckpoint(checkpointPath, { ...saved, header: { ...saved.header, options: older } });
  await assert.rejects(
    runDpo(dpoOptions(outDir, { data, nllWeight: 1, maxSteps: 3, validSize: 2 })),
    /trained with NLL weight 0, not 1/,
  );
  assert.equal((await runDpo(dpoOptions(outDir, { data, maxSteps: 3, validSize: 2 }))).resumedFrom, 2);
  const other = await runSft({ ...smokeOptions(join(dir, "other-sft")), maxSteps: 2 });
  await assert.rejects(
    runDpo(dpoOptions(outDir, { data, init: other.checkpointPath, maxSteps: 3, validSize: 2 })),
    /checkpoint\.bin started from .*sft[/\\]checkpoint\.bin, not .*other-sft[/\\]checkpoint\.bin; use another --out or delete it/,
  );
  await writeJsonl(data, dpoRows({ n: 20, seed: 12 }));
  await assert.rejects(
    runDpo(dpoOptions(outDir, { data, maxSteps: 3, validSize: 2 })),
    /checkpoint\.bin trained on other data/,
  );
  await assert.rejects(
    runDpo(dpoOptions(join(dir, "beta"), { beta: 0 })),
    /`beta` must be a positive number/,
  );
  await assert.rejects(
    runDpo(dpoOptions(join(dir, "alpha"), { nllWeight: -1 })),
    /`nllWeight` must be a number ≥ 0 \(got -1\)/,
  );
  const accented = await writeJsonl(join(dir, "accented.jsonl"), [
    ...dpoRows({ n: 5 }),
    { question: "Compute (1+2) mod 2.", answer: "1", chosen: "#### 1", rejected: "#### é" },
  ]);
  await assert.rejects(
    runDpo(dpoOptions(join(dir, "accented"), { data: accented, validSize: 1 })),
    /accented\.jsonl: 1 character\(s\) not in the vocabulary of the init checkpoint: "é" \(first on line 6\)/,
  );
});

test("dpo --task: greedy accuracy is measured on the task's validation problems", async () => {
  const result = await runDpo(
    dpoOptions(join(dir, "task"), { task: "modular", maxSteps: 1, evalProblems: 7 }),
  );
  // 7 task problems, not the 4 held-out questions of the file.
  assert.equal(result.initialEval.problems, 7);
  assert.equal(result.initialEval.pairs, 4);
  assert.equal(result.lastEval?.problems, 7);
});
