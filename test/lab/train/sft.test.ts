import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { loadCheckpoint } from "../../../src/lab/train/checkpoint.ts";
import { runSft } from "../../../src/lab/train/sft.ts";
import { smokeOptions } from "../helpers/smoke-options.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-sft-"));
after(() => rm(dir, { recursive: true, force: true }));

async function logLines(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

test("sft smoke: 80 steps on a fixed seed lower the loss, log JSONL and checkpoint", async () => {
  const outDir = join(dir, "smoke");
  const result = await runSft({ ...smokeOptions(outDir), maxSteps: 80 });
  assert.equal(result.stopReason, "steps");
  assert.equal(result.steps, 80);
  const train = (await logLines(result.logPath)).filter((r) => r.type === "train");
  assert.equal(train.length, 8);
  const first = train[0].loss as number;
  const last = train.at(-1)?.loss as number;
  // From ~ln(vocab) ≈ 5.6 nats: the model has learned the answer format by now.
  assert.ok(first > 3, `first loss ${first}`);
  assert.ok(last < 0.6 * first, `loss ${first} → ${last}`);
  assert.ok(existsSync(result.checkpointPath));
});

test("sft resume: 20 steps, stop, resume to 40 gives exactly the weights of 40 steps straight", async () => {
  const straight = await runSft({ ...smokeOptions(join(dir, "straight")), maxSteps: 40 });
  const split = join(dir, "split");
  await runSft({ ...smokeOptions(split), maxSteps: 20 });
  const resumed = await runSft({ ...smokeOptions(split), maxSteps: 40 });
  assert.equal(resumed.resumedFrom, 20);
  assert.equal(resumed.steps, 40);
  const a = await loadCheckpoint(straight.checkpointPath);
  const b = await loadCheckpoint(resumed.checkpointPath);
  assert.equal(b.header.step, 40);
  assert.deepEqual(b.params, a.params);
  assert.deepEqual(b.v, a.v);
  // A different model shape refuses the checkpoint instead of loading garbage.
  await assert.rejects(
    runSft({ ...smokeOptions(split), model: { ...smokeOptions(split).model, dim: 16 }, maxSteps: 41 }),
    /another model or task/,
  );
});

test("sft kill -9: a run killed mid-training leaves a loadable checkpoint and resumes from it", async () => {
  const outDir = join(dir, "killed");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "../helpers/sft-child.ts"), outDir],
    { stdio: "ignore" },
  );
  const exited = new Promise((resolve) => child.on("exit", resolve));
  try {
    // Wait for a few checkpoints, then kill without warning.
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      if (existsSync(join(outDir, "log.jsonl"))) {
        // The child may be mid-append: count whole train lines only.
        const text = await readFile(join(outDir, "log.jsonl"), "utf8");
        const steps = text
          .split("\n")
          .filter((line) => line.startsWith('{"type":"train"') && line.endsWith("}")).length;
        if (steps >= 2) break;
      }
      await sleep(100);
    }
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
  const checkpoint = await loadCheckpoint(join(outDir, "checkpoint.bin"));
  assert.ok(checkpoint.header.step >= 10, `checkpointed step ${checkpoint.header.step}`);
  const resumed = await runSft({ ...smokeOptions(outDir), maxSteps: checkpoint.header.step + 5 });
  assert.equal(resumed.resumedFrom, checkpoint.header.step);
  assert.equal(resumed.steps, checkpoint.header.step + 5);
});
