import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createItemGrader } from "../../src/eval/grade-item.ts";
import { runEval } from "../../src/eval/runner.ts";
import { openStore } from "../../src/eval/store.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { cascadeBackends } from "./helpers/cascade-eval.ts";
import { arithmeticSet } from "./helpers/scripted-eval.ts";

const grader = createItemGrader({ mode: "sync" });
const smallPrices = { prompt: 1e-6, completion: 2e-6 };
const largePrices = { prompt: 1e-5, completion: 3e-5 };

test("a cascade cell: exact escalation share, the large model's tokens and cost apart, vs the large model alone", async () => {
  const dataset = await arithmeticSet(8);
  const { small, large } = cascadeBackends(dataset);
  const outDir = mkdtempSync(join(tmpdir(), "deliberate-eval-cascade-"));
  const run = await runEval({
    models: [
      {
        name: "small.gguf",
        backend: small,
        prices: smallPrices,
        large: { name: "large.gguf", backend: large, prices: largePrices },
      },
      { name: "large.gguf", backend: large, prices: largePrices },
    ],
    strategies: [{ name: "cascade", options: { samples: 3 } }, { name: "cot" }],
    datasets: [dataset],
    seeds: 2,
    outDir,
    grader,
    progress: "none",
  });
  // small(large) × {cascade, cot} and large × cot: the large model alone has no cascade cell.
  assert.deepEqual(
    run.results.cells.map((c) => [c.model, c.strategy]),
    [
      ["small.gguf (large large.gguf)", "cascade"],
      ["small.gguf (large large.gguf)", "cot"],
      ["large.gguf", "cot"],
    ],
  );
  assert.equal(run.solved, 3 * 8 * 2);
  const [cascade, smallCot, largeCot] = run.results.cells;
  assert.equal(cascade.policy, "small.gguf");
  assert.equal(cascade.large, "large.gguf");
  assert.equal(cascade.accuracy, 1, "accepted answers are right and escalated ones the large model answers");
  const s = cascade.summary;
  assert.deepEqual(s.cascade && { ...s.cascade, savedTokens: 0 }, {
    questions: 16,
    escalated: 8,
    escalationShare: 0.5,
    savedTokens: 0,
  });
  // One greedy large call per escalated attempt, 4 completion tokens each.
  const largeUsage = s.usage.large!;
  assert.equal(largeUsage.calls, 8);
  assert.equal(largeUsage.completionTokens, 8 * 4);
  assert.ok(largeUsage.promptTokens > 0);
  assert.ok(
    Math.abs(
      largeUsage.cost -
        (largeUsage.promptTokens * largePrices.prompt + largeUsage.completionTokens * largePrices.completion),
    ) < 1e-12,
  );
  const policy = s.usage.policy!;
  assert.ok(
    Math.abs(
      policy.cost -
        (policy.promptTokens * smallPrices.prompt + policy.completionTokens * smallPrices.completion),
    ) < 1e-12,
  );
  assert.equal(
    s.promptTokens + s.completionTokens,
    policy.promptTokens + policy.completionTokens + largeUsage.promptTokens + largeUsage.completionTokens,
  );
  assert.ok(Math.abs(s.cost - (policy.cost + largeUsage.cost)) < 1e-12);
  // Curves count the small model's samples only: 3 per attempt.
  assert.equal(s.curves.at(-1)!.k, 3);
  // The cot cell of the same entry never touched the large model.
  assert.equal(smallCot.summary.usage.large, undefined);
  assert.equal(smallCot.summary.cascade, undefined);
  // Compared with the large model alone (its cot cell).
  const vs = cascade.vsLarge!;
  assert.equal(vs.cell, largeCot.cell);
  assert.equal(vs.accuracy, 1);
  assert.equal(vs.accuracyDelta, 0);
  const perAttempt = (c: typeof cascade) => (c.summary.promptTokens + c.summary.completionTokens) / 16;
  assert.ok(Math.abs(vs.tokenRatio - perAttempt(cascade) / perAttempt(largeCot)) < 1e-12);
  assert.ok(Math.abs(vs.costRatio! - s.cost / largeCot.summary.cost) < 1e-12);
  assert.equal(largeCot.vsLarge, undefined);

  // Each record says whether it escalated: exactly the odd items.
  const store = await openStore(run.storePath);
  const records = await store.records(cascade.cell);
  await store.close();
  for (const r of records) {
    const i = dataset.items.findIndex((item) => item.id === r.itemId);
    assert.equal(r.cascade?.escalated, i % 2 === 1, r.itemId);
    assert.equal(r.usage?.large !== undefined, i % 2 === 1);
  }

  // Re-running reuses both models' samples from the store.
  const again = cascadeBackends(dataset);
  const rerun = await runEval({
    models: [
      { name: "small.gguf", backend: again.small, large: { name: "large.gguf", backend: again.large } },
    ],
    strategies: [{ name: "cascade", options: { samples: 3 } }],
    datasets: [dataset],
    seeds: 2,
    outDir: mkdtempSync(join(tmpdir(), "deliberate-eval-cascade-")),
    storePath: run.storePath,
    grader,
    progress: "none",
  });
  assert.equal(rerun.skipped, 16, "the same cell key: nothing solved again");
  assert.equal(again.small.calls.length + again.large.calls.length, 0);
});

test("the same backend id as policy and large: usage still split by role", async () => {
  const dataset = await arithmeticSet(4);
  // Both ids "twin": the large one is renamed for the strategy (and the usage), not for the cache.
  const { small, large } = cascadeBackends(dataset, { small: "twin", large: "twin" });
  const run = await runEval({
    models: [{ name: "m", backend: small, large: { name: "m2", backend: large } }],
    strategies: [{ name: "cascade", options: { samples: 3 } }],
    datasets: [dataset],
    outDir: mkdtempSync(join(tmpdir(), "deliberate-eval-twin-")),
    grader,
    progress: "none",
  });
  const s = run.results.cells[0].summary;
  assert.equal(s.cascade?.escalated, 2);
  assert.equal(s.usage.large?.calls, 2);
  assert.equal(s.usage.large?.completionTokens, 2 * 4);
  assert.equal(s.usage.policy?.calls, 4);
  assert.equal(s.accuracy, 1);
  assert.equal(large.calls.length, 2);
});

test("best-of-n with a separate verifier model: the judge's calls and tokens are the verifier's", async () => {
  const dataset = await arithmeticSet(3);
  const { small } = cascadeBackends(dataset);
  const judge = new ScriptedBackend({ id: "judge", script: ["Yes"] });
  const run = await runEval({
    models: [
      {
        name: "small",
        backend: small,
        verifier: { name: "judge", backend: judge, prices: { prompt: 1e-6, completion: 1e-6 } },
      },
    ],
    strategies: [{ name: "best-of-n", options: { samples: 3 } }],
    datasets: [dataset],
    outDir: mkdtempSync(join(tmpdir(), "deliberate-eval-judge-")),
    grader,
    progress: "none",
  });
  const cell = run.results.cells[0];
  assert.equal(cell.model, "small (verifier judge)");
  assert.equal(cell.verifier, "judge");
  const s = cell.summary;
  assert.equal(s.errors, 0);
  // One judge call per candidate; the candidates (not the judge's replies) are the samples.
  assert.equal(s.usage.verifier?.calls, 3 * 3);
  assert.equal(judge.calls.length, 3 * 3);
  assert.ok((s.usage.verifier?.cost ?? 0) > 0);
  assert.equal(s.curves.at(-1)?.k, 3);
  assert.equal(s.usage.large, undefined);
});

test("a model entry's `strategies` keeps only those cells for it", async () => {
  const dataset = await arithmeticSet(3);
  const { small, large } = cascadeBackends(dataset);
  const run = await runEval({
    models: [
      { name: "small.gguf", backend: small, large: { name: "large.gguf", backend: large } },
      { name: "large.gguf", backend: large, strategies: ["cot"] },
    ],
    strategies: [{ name: "cascade", options: { samples: 3 } }, { name: "cot" }, { name: "self-consistency" }],
    datasets: [dataset],
    outDir: mkdtempSync(join(tmpdir(), "deliberate-eval-strategies-")),
    grader,
    progress: "none",
  });
  assert.deepEqual(
    run.results.cells.map((c) => [c.policy, c.strategy]),
    [
      ["small.gguf", "cascade"],
      ["small.gguf", "cot"],
      ["small.gguf", "self-consistency"],
      ["large.gguf", "cot"],
    ],
  );
});
