import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parameterCount } from "../../../src/lab/model/config.ts";
import { AdamW, clipGradNorm } from "../../../src/lab/train/adamw.ts";
import { loadCheckpoint, saveCheckpoint } from "../../../src/lab/train/checkpoint.ts";
import { learningRate } from "../../../src/lab/train/lr-schedule.ts";

test("adamw: the first step moves each weight by lr·sign(g), decay only where masked", () => {
  const params = new Float32Array([1, 1, -2]);
  const grads = new Float32Array([0.5, -3, 0]);
  const optimizer = new AdamW(3, new Uint8Array([1, 0, 1]), { weightDecay: 0.1 });
  optimizer.update(params, grads, 0.01);
  // Bias-corrected m̂/√v̂ = g/|g| on step one; decay multiplies by (1 − lr·wd) first.
  assert.ok(Math.abs(params[0] - (1 * (1 - 0.001) - 0.01)) < 1e-6, `${params[0]}`);
  assert.ok(Math.abs(params[1] - (1 + 0.01)) < 1e-6, `${params[1]}`);
  assert.ok(Math.abs(params[2] - -2 * (1 - 0.001)) < 1e-6, `${params[2]}`);
  assert.equal(optimizer.step, 1);
});

test("adamw: minimises a quadratic", () => {
  const params = new Float32Array([3, -4]);
  const optimizer = new AdamW(2, new Uint8Array(2), { weightDecay: 0 });
  for (let i = 0; i < 500; i++)
    optimizer.update(
      params,
      params.map((p) => 2 * p),
      0.05,
    );
  assert.ok(Math.abs(params[0]) < 0.05 && Math.abs(params[1]) < 0.05, `${params}`);
});

test("clipping: scales to the max norm only when above it and returns the norm before", () => {
  const grads = new Float32Array([3, 4]);
  assert.equal(clipGradNorm(grads, 10), 5);
  assert.deepEqual([...grads], [3, 4]);
  assert.equal(clipGradNorm(grads, 1), 5);
  assert.ok(Math.abs(Math.hypot(grads[0], grads[1]) - 1) < 1e-5);
  assert.ok(Math.abs(grads[0] / grads[1] - 0.75) < 1e-6);
});

test("schedule: linear warm-up, cosine to the floor at decaySteps, floor after", () => {
  const options = { maxLr: 1, minLr: 0.1, warmupSteps: 10, decaySteps: 110 };
  assert.equal(learningRate(0, options), 0.1);
  assert.equal(learningRate(9, options), 1);
  assert.equal(learningRate(10, options), 1);
  assert.ok(Math.abs(learningRate(60, options) - 0.55) < 1e-12);
  assert.equal(learningRate(110, options), 0.1);
  assert.equal(learningRate(5000, options), 0.1);
});

test("checkpoint: round-trips header and arrays; truncated or foreign files are refused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-ckpt-"));
  try {
    const path = join(dir, "c.bin");
    const config = {
      vocabSize: 5,
      dim: 4,
      layers: 1,
      heads: 2,
      ffnDim: 4,
      contextLength: 8,
      ropeTheta: 1e4,
      normEps: 1e-5,
    };
    const size = parameterCount(config);
    const params = new Float32Array(size).map((_, i) => i / 7);
    const header = {
      config,
      chars: ["a", "é"],
      step: 7,
      randomState: 123,
      elapsedMs: 5,
      bestAccuracy: 0.5,
      options: { task: "modular" },
    };
    await saveCheckpoint(path, {
      header,
      params,
      m: new Float32Array(size).fill(2),
      v: new Float32Array(size).fill(3),
    });
    const loaded = await loadCheckpoint(path);
    assert.deepEqual(loaded.header, header);
    assert.deepEqual(loaded.params, params);
    assert.deepEqual(loaded.v, new Float32Array(size).fill(3));
    const bytes = await readFile(path);
    // A whole float short is still caught: sizes come from the config, not the file length.
    await writeFile(path, bytes.subarray(0, bytes.length - 4));
    await assert.rejects(loadCheckpoint(path), /truncated/);
    await writeFile(path, "not a checkpoint");
    await assert.rejects(loadCheckpoint(path), /not a version-1 lab checkpoint/);
    await assert.rejects(loadCheckpoint(join(dir, "missing.bin")), /no checkpoint/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
