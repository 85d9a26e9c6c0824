import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadCheckpoint } from "../../../src/lab/train/checkpoint.ts";
import { runGrpo } from "../../../src/lab/train/grpo.ts";
import { runSft } from "../../../src/lab/train/sft.ts";
import { smokeOptions } from "../helpers/smoke-options.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-grpo-"));
after(() => rm(dir, { recursive: true, force: true }));

test("grpo run: starts from an SFT checkpoint, logs rewards, checkpoints and resumes", async () => {
  const sft = await runSft({ ...smokeOptions(join(dir, "sft")), maxSteps: 20 });
  const options = {
    init: sft.checkpointPath,
    outDir: join(dir, "grpo"),
    promptsPerStep: 2,
    groupSize: 2,
    evalEvery: 2,
    evalProblems: 3,
    threads: 1,
    exportGguf: false,
  };
  const first = await runGrpo({ ...options, maxSteps: 2 });
  assert.equal(first.steps, 2);
  assert.equal(first.resumedFrom, 0);
  assert.ok(first.lastEval && first.lastEval.problems === 3);
  const log = (await readFile(first.logPath, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  const train = log.filter((r) => r.type === "train");
  assert.equal(train.length, 2);
  for (const r of train) assert.ok(r.meanReward >= 0 && r.meanReward <= 1);
  const resumed = await runGrpo({ ...options, maxSteps: 3 });
  assert.equal(resumed.resumedFrom, 2);
  assert.equal(resumed.steps, 3);
  const checkpoint = await loadCheckpoint(resumed.checkpointPath);
  assert.equal(checkpoint.header.step, 3);
  assert.equal((checkpoint.header.options as { stage: string }).stage, "grpo");
});
