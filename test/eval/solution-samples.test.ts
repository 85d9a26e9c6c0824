/**
 * The eval harness reads a strategy's samples from its Solution, not from its trace. Regression
 * tests for two wrong numbers the trace-reading harness reported, each run through real strategies:
 * judge calls counted as samples (best-of-n@4 judged by the policy gave curves over 8), and verifier
 * weights matched to samples by position (one errored sample moved every later weight onto the
 * wrong candidate).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createItemGrader } from "../../src/eval/grade-item.ts";
import { runEval } from "../../src/eval/runner.ts";
import { openStore } from "../../src/eval/store.ts";
import type { Dataset } from "../../src/eval/types.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

const grader = createItemGrader({ mode: "sync" });
const tempDir = () => mkdtempSync(join(tmpdir(), "deliberate-samples-"));

/** The run's stored records of its one cell. */
async function storedRecords(run: Awaited<ReturnType<typeof runEval>>) {
  const store = await openStore(run.storePath);
  try {
    return await store.records(run.results.cells[0].cell);
  } finally {
    await store.close();
  }
}

const dataset: Dataset = {
  name: "sums",
  spec: "sums",
  items: [0, 1, 2].map((i) => ({
    id: `q${i}`,
    question: `What is ${i} + 10?`,
    gold: String(i + 10),
    kind: "math",
  })),
};

test("best-of-n with 4 samples and the policy as its own judge: every record has 4 samples, curves go to 4", async () => {
  const backend = new ScriptedBackend({
    script: ({ request, sample }) =>
      // Judge prompts ask for Yes or No; everything else is a sample answering 10 + its index.
      request.maxTokens === 1 ? "Yes" : `So the answer is \\boxed{${10 + sample}}.`,
  });
  const run = await runEval({
    models: [{ name: "scripted", backend }],
    strategies: [{ name: "best-of-n", options: { samples: 4 } }],
    datasets: [dataset],
    outDir: tempDir(),
    grader,
    progress: "none",
  });
  const [cell] = run.results.cells;
  assert.equal(cell.summary.n, 3);
  // The judge's calls happened (one per candidate) and were not counted as samples.
  assert.equal(backend.calls.filter((call) => call.maxTokens === 1).length, 3 * 4);
  assert.deepEqual(
    cell.summary.curves.map((point) => point.k),
    [1, 2, 4],
  );
  const records = await storedRecords(run);
  assert.equal(records.length, 3);
  for (const record of records) assert.equal(record.samples.length, 4);
});

test("an errored sample: each verifier weight stays on its own candidate", async () => {
  // Sample 1 fails; the others answer 10, 12 and 13. The reward model scores each answer with its
  // own likelihood, so every key has one known weight.
  const weightOf = (answer: number) => Math.exp(-(answer - 9) / 10);
  const backend = new ScriptedBackend({
    script: ({ sample }) =>
      sample === 1 ? { text: "", finishReason: "error" } : `So the answer is \\boxed{${10 + sample}}.`,
    scorer: (request) => {
      const prompt = typeof request.prompt === "string" ? request.prompt : "";
      const answer = Number(/\\boxed\{(\d+)\}/.exec(prompt)?.[1]);
      return [Math.log(weightOf(answer))];
    },
  });
  const run = await runEval({
    models: [{ name: "scripted", backend }],
    strategies: [{ name: "best-of-n", options: { samples: 4, verifier: "reward" } }],
    datasets: [{ ...dataset, items: dataset.items.slice(0, 1) }],
    outDir: tempDir(),
    grader,
    progress: "none",
  });
  const records = await storedRecords(run);
  assert.equal(records.length, 1);
  const samples = records[0].samples;
  assert.deepEqual(
    samples.map((sample) => sample.key),
    ["10", "12", "13"],
  );
  for (const sample of samples) {
    assert.ok(
      Math.abs(sample.weight - weightOf(Number(sample.key))) < 1e-9,
      `the weight of ${sample.key} is its own score`,
    );
  }
});
