// SFT on a data file (`--data`): the vocabulary, the held-out split, continuing from a checkpoint, resume.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildTaskData } from "../../../src/lab/tasks/task-data.ts";
import { loadCheckpoint } from "../../../src/lab/train/checkpoint.ts";
import { runGrpo } from "../../../src/lab/train/grpo.ts";
import { runSft, type SftOptions } from "../../../src/lab/train/sft.ts";
import { sftRows, writeJsonl } from "../helpers/data-files.ts";
import { smokeOptions } from "../helpers/smoke-options.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-sft-data-"));
after(() => rm(dir, { recursive: true, force: true }));

async function records(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

/** The smoke model on a data file: no task, an evaluation every 20 steps on 5 held-out questions. */
function dataOptions(outDir: string, data: string): SftOptions {
  return {
    ...smokeOptions(outDir),
    task: undefined,
    validSize: undefined,
    data,
    evalEvery: 20,
    evalProblems: 5,
    targetAccuracy: 2,
  };
}

const traceRows = sftRows({ n: 300, answerOnlyEvery: 4 });
const traces = await writeJsonl(join(dir, "sft.jsonl"), traceRows);
// The generator repeats a few questions; rows of one question are one problem.
const questions = new Set(traceRows.map((r) => r.question)).size;

test("sft --data: trains on the file's rows, validates on held-out questions, and its checkpoint's vocabulary is the data's", async () => {
  const result = await runSft({ ...dataOptions(join(dir, "run"), traces), maxSteps: 40 });
  assert.equal(result.steps, 40);
  const log = await records(result.logPath);
  const start = log[0];
  assert.equal(start.type, "start");
  assert.equal(start.dataRows, 300);
  assert.equal(start.answerOnlyRows, 75);
  assert.ok(questions > 290 && questions < 300);
  assert.equal(start.validProblems, Math.round(0.05 * questions));
  assert.equal(start.trainProblems, questions - Math.round(0.05 * questions));
  const options = start.options as Record<string, unknown>;
  assert.equal(options.data, traces);
  assert.match(String(options.dataFingerprint), /^\d+:[0-9a-f]+$/);
  const train = log.filter((r) => r.type === "train");
  assert.ok((train.at(-1)!.loss as number) < 0.7 * (train[0].loss as number), "the loss falls");
  const evals = log.filter((r) => r.type === "eval");
  assert.equal(evals.length, 2);
  assert.equal(evals[0].problems, 5);
  assert.ok(typeof evals[0].greedy === "number" && typeof evals[0].validLoss === "number");
  const checkpoint = await loadCheckpoint(result.checkpointPath);
  const rows = (await readFile(traces, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const chars = new Set(rows.flatMap((r) => [...`${r.question}${r.solution ?? `#### ${r.answer}`}`]));
  chars.delete("\n");
  assert.deepEqual(checkpoint.header.chars, [...chars].sort());
});

test("sft --data --task: the vocabulary is the union of the data's and the task's alphabets", async () => {
  // Word problems with none of modular's "(", "C", "mod" characters.
  const words = Array.from({ length: 30 }, (_, i) => ({
    question: `What is ${i} plus ${i}?`,
    answer: String(2 * i),
  }));
  const path = await writeJsonl(join(dir, "words.jsonl"), words);
  const result = await runSft({
    ...dataOptions(join(dir, "union"), path),
    task: "modular",
    maxSteps: 2,
    validSize: 3,
  });
  const { chars } = (await loadCheckpoint(result.checkpointPath)).header;
  const modular = buildTaskData({
    task: "modular",
    trainSize: 2000,
    validSize: 20,
    seed: 3,
    contextLength: 64,
  }).tokenizer.chars;
  for (const c of [...modular, "W", "h", "?", "#"]) assert.ok(chars.includes(c), `has ${JSON.stringify(c)}`);
  assert.ok(!modular.includes("W"));
});

test("sft --data --init: continues from a checkpoint's weights and vocabulary; a character outside it is refused", async () => {
  const base = await runSft({ ...dataOptions(join(dir, "base"), traces), maxSteps: 60 });
  const more = await runSft({
    ...dataOptions(join(dir, "more"), traces),
    init: base.checkpointPath,
    model: { dim: 16 }, // ignored: the checkpoint brings its shape
    maxSteps: 10,
    warmupSteps: 1,
  });
  assert.equal(more.resumedFrom, 0);
  assert.equal(more.steps, 10);
  assert.deepEqual(more.config, base.config);
  const first = (await records(more.logPath)).find((r) => r.type === "train")!;
  const scratch = (await records(join(dir, "run", "log.jsonl"))).find((r) => r.type === "train")!;
  // Continuing: its first window's loss is far below a fresh model's first window.
  assert.ok((first.loss as number) < 0.6 * (scratch.loss as number), `${first.loss} vs ${scratch.loss}`);
  assert.equal((await loadCheckpoint(more.checkpointPath)).header.options.init, base.checkpointPath);
  const accented = await writeJsonl(join(dir, "accented.jsonl"), [
    ...sftRows({ n: 10 }),
    { question: "Combien font 2+2 ? Réponds.", answer: "4" },
  ]);
  await assert.rejects(
    runSft({ ...dataOptions(join(dir, "bad-init"), accented), init: base.checkpointPath, maxSteps: 1 }),
    /accented\.jsonl: \d+ character\(s\) not in the vocabulary of the checkpoint: .*"é".* \(first on line 11\)/,
  );
});

test("sft --data: a resumed run refuses a data file that changed, and GRPO refuses a data-only checkpoint", async () => {
  const path = await writeJsonl(join(dir, "changing.jsonl"), sftRows({ n: 50 }));
  const outDir = join(dir, "changing");
  const first = await runSft({ ...dataOptions(outDir, path), maxSteps: 4 });
  const resumed = await runSft({ ...dataOptions(outDir, path), maxSteps: 6 });
  assert.equal(resumed.resumedFrom, 4);
  await writeJsonl(path, sftRows({ n: 50, seed: 12 }));
  await assert.rejects(runSft({ ...dataOptions(outDir, path), maxSteps: 8 }), /was trained on other data/);
  await assert.rejects(
    runGrpo({
      init: first.checkpointPath,
      outDir: join(dir, "grpo"),
      maxSteps: 1,
      threads: 1,
      exportGguf: false,
    }),
    /was trained on the data file .*changing\.jsonl without a task; this stage needs a checkpoint trained on \(or with\) a synthetic task/,
  );
});
