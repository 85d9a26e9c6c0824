import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { createItemGrader } from "../../src/eval/grade-item.ts";
import { runEval } from "../../src/eval/runner.ts";
import { openStore } from "../../src/eval/store.ts";
import type { Dataset } from "../../src/eval/types.ts";
import type { ModelBackend } from "../../src/models/types.ts";
import { wrapBackend } from "../../src/models/wrap-backend.ts";
import { answeringBackend, arithmeticSet } from "./helpers/scripted-eval.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "deliberate-eval-"));
const grader = createItemGrader({ mode: "sync" });
/** A `cot` grid on one dataset, without progress output. */
const cotGrid = (dataset: Dataset, outDir: string) => ({
  datasets: [dataset],
  outDir,
  grader,
  progress: "none" as const,
  strategies: [{ name: "cot" }],
});

test("a grid run: every item × seed graded once, results.json with per-slice accuracy and curves", async () => {
  const dataset = await arithmeticSet(6);
  const backend = answeringBackend(dataset);
  const outDir = tempDir();
  const run = await runEval({
    models: [{ name: "scripted", backend, concurrency: 3 }],
    strategies: [{ name: "self-consistency", options: { samples: 4 } }, { name: "cot" }],
    datasets: [dataset],
    seeds: 2,
    outDir,
    grader,
    progress: "none",
  });
  assert.equal(run.solved, 2 * 2 * 6);
  assert.equal(run.skipped, 0);
  const results = JSON.parse(readFileSync(join(outDir, "results.json"), "utf8"));
  assert.equal(results.schema, "deliberate/eval-results@1");
  assert.equal(results.cells.length, 2);
  const [sc, cot] = results.cells;
  assert.equal(sc.cell, 'scripted|self-consistency{"samples":4}|synthetic:arithmetic?difficulty=2&seed=3');
  assert.equal(sc.summary.n, 12);
  assert.equal(sc.summary.items, 6);
  assert.deepEqual(
    sc.summary.curves.map((p: { k: number }) => p.k),
    [1, 2, 4],
  );
  // pass@k never falls as k grows, and pass@1 equals maj@1 (one sample votes alone).
  const pass = sc.summary.curves.map((p: { pass: number }) => p.pass);
  assert.ok(pass[0] <= pass[1] && pass[1] <= pass[2]);
  assert.ok(Math.abs(sc.summary.curves[0].maj - pass[0]) < 1e-9);
  assert.ok(sc.summary.curves[0].pass > 0.3 && sc.summary.curves[0].pass < 0.9, "about 0.6 of samples right");
  assert.ok(cot.summary.promptTokens > 0 && cot.summary.calls === 12);
  assert.equal(typeof results.accuracy, "number");
  assert.ok(results.overall.byDifficulty["2"].accuracy >= 0);
  assert.equal(results.overall.n, 24);
  // Records agree with the grades: the store's correct flags give the reported accuracy.
  const store = await openStore(run.storePath);
  const records = await store.records(sc.cell);
  await store.close();
  assert.equal(records.length, 12);
  const accuracy = records.filter((r) => r.correct).length / records.length;
  assert.ok(Math.abs(accuracy - sc.accuracy) < 1e-12);
  for (const r of records) {
    assert.equal(r.samples.length, 4);
    assert.equal(r.correct, r.predicted === r.gold, `${r.itemId}: ${r.predicted} vs ${r.gold}`);
  }
});

test("a store refuses to resume cells that other model files finished, and lets them change while none has", async () => {
  const dataset = await arithmeticSet(4);
  const outDir = tempDir();
  const base = cotGrid(dataset, outDir);
  // One spec, two files: the fingerprint is what a llama backend derives from the file's bytes.
  const onFile = (file: string, verifierFile?: string) => ({
    name: "m",
    backend: wrapBackend(answeringBackend(dataset), { overrideFingerprint: () => file }),
    ...(verifierFile === undefined
      ? {}
      : {
          verifier: {
            name: "v",
            backend: wrapBackend(answeringBackend(dataset), { overrideFingerprint: () => verifierFile }),
          },
        }),
  });
  const first = await runEval({ ...base, models: [onFile("file-a", "judge-1")] });
  assert.equal(first.solved, 4);
  const changed = answeringBackend(dataset);
  await assert.rejects(
    runEval({
      ...base,
      models: [
        {
          ...onFile("file-a", "judge-2"),
          backend: wrapBackend(changed, { overrideFingerprint: () => "file-a" }),
        },
      ],
    }),
    (error: unknown) =>
      error instanceof DeliberateError &&
      error.code === "BAD_REQUEST" &&
      error.message.includes("`m (verifier v)`") &&
      error.message.includes("verifier: judge-1 → judge-2") &&
      !error.message.includes("policy:"),
  );
  assert.equal(changed.calls.length, 0, "nothing solved before the refusal");
  // The same files again: everything reused, nothing was overwritten.
  const again = await runEval({ ...base, models: [onFile("file-a", "judge-1")] });
  assert.deepEqual([again.solved, again.skipped], [0, 4]);
  assert.equal(again.results.accuracy, first.results.accuracy);
  // While none of the model's cells has finished, its files may change: a run whose every answer
  // failed, then another file, then a third once the second has finished.
  const other = { ...base, outDir: tempDir() };
  const { ScriptedBackend } = await import("../../src/testing/scripted-backend.ts");
  const failing = new ScriptedBackend({ id: "scripted", script: [{ text: "", finishReason: "error" }] });
  const failed = await runEval({
    ...other,
    models: [{ name: "m", backend: wrapBackend(failing, { overrideFingerprint: () => "file-x" }) }],
  });
  assert.equal(failed.results.overall.errors, 4);
  const second = await runEval({ ...other, models: [onFile("file-b")] });
  assert.equal(second.solved, 4);
  await assert.rejects(runEval({ ...other, models: [onFile("file-c")] }), /policy: file-b → file-c/);
});

test("re-running reuses everything; widening samples generates only the new ones", async () => {
  const dataset = await arithmeticSet(5);
  const outDir = tempDir();
  const first = answeringBackend(dataset);
  const base = { datasets: [dataset], outDir, grader, progress: "none" as const };
  const one = await runEval({
    ...base,
    models: [{ name: "m", backend: first }],
    strategies: [{ name: "self-consistency", options: { samples: 4 } }],
  });
  const again = answeringBackend(dataset);
  const two = await runEval({
    ...base,
    models: [{ name: "m", backend: again }],
    strategies: [{ name: "self-consistency", options: { samples: 4 } }],
  });
  assert.equal(two.skipped, 5);
  assert.equal(two.solved, 0);
  assert.equal(again.calls.length, 0, "no model call on a finished grid");
  assert.equal(two.results.accuracy, one.results.accuracy);

  const wider = answeringBackend(dataset);
  const three = await runEval({
    ...base,
    models: [{ name: "m", backend: wider }],
    strategies: [{ name: "self-consistency", options: { samples: 8 } }],
  });
  assert.equal(three.solved, 5);
  const generated = wider.calls.reduce((sum, call) => sum + (call.n ?? 1), 0);
  assert.equal(generated, 5 * 4, "the first 4 samples of each item came from the store");
  // The reused samples are the same ones: each record's first four sampled answers match.
  const store = await openStore(three.storePath);
  const narrow = await store.records(one.results.cells[0].cell);
  const wide = await store.records(three.results.cells[0].cell);
  await store.close();
  for (const record of narrow) {
    const widened = wide.find((r) => r.itemId === record.itemId)!;
    assert.equal(widened.samples.length, 8);
    assert.deepEqual(
      widened.samples.slice(0, 4).map((s) => s.key),
      record.samples.map((s) => s.key),
    );
  }
});

test("failures are errors, not wrong answers, and are retried on resume", async () => {
  const dataset = await arithmeticSet(4);
  const outDir = tempDir();
  const good = answeringBackend(dataset);
  const failing: ModelBackend = {
    id: "scripted",
    capabilities: good.capabilities,
    stream: (request) => good.stream(request),
    close: async () => {},
    generate: async (request) => {
      const question = request.messages?.at(-1)?.content ?? "";
      if (question === dataset.items[1].question) throw new DeliberateError("UPSTREAM", "server said 502");
      return good.generate(request);
    },
  };
  const base = cotGrid(dataset, outDir);
  const first = await runEval({ ...base, models: [{ name: "m", backend: failing }] });
  assert.equal(first.results.overall.errors, 1);
  assert.equal(first.results.overall.n, 3, "the failed item is not graded as wrong");
  const store = await openStore(first.storePath);
  const failed = (await store.records()).find((r) => r.status === "error")!;
  await store.close();
  assert.equal(failed.itemId, dataset.items[1].id);
  assert.match(failed.error!, /UPSTREAM: server said 502/);

  const second = await runEval({ ...base, models: [{ name: "m", backend: answeringBackend(dataset) }] });
  assert.equal(second.solved, 1, "only the failed item runs again");
  assert.equal(second.results.overall.errors, 0);
  assert.equal(second.results.overall.n, 4);
});

test("a completion that failed with finish reason `error` is an error record, not a wrong answer", async () => {
  const dataset = await arithmeticSet(2);
  const { ScriptedBackend } = await import("../../src/testing/scripted-backend.ts");
  const backend = new ScriptedBackend({ script: [{ text: "", finishReason: "error" }] });
  const run = await runEval({
    models: [{ name: "m", backend }],
    strategies: [{ name: "cot" }],
    datasets: [dataset],
    outDir: tempDir(),
    grader,
    progress: "none",
  });
  assert.equal(run.results.overall.errors, 2);
  assert.equal(run.results.overall.n, 0);
});

test("code items are graded by their tests; a crashing program is a wrong answer, not an error", async () => {
  const { loadDataset } = await import("../../src/eval/datasets/load-dataset.ts");
  const { ScriptedBackend } = await import("../../src/testing/scripted-backend.ts");
  const full = await loadDataset(join(import.meta.dirname, "fixtures", "code.jsonl"));
  const dataset = { ...full, items: full.items.filter((i) => i.tests?.language === "javascript") };
  const run = async (program: string) =>
    runEval({
      models: [{ name: "m", backend: new ScriptedBackend({ script: [`\`\`\`js\n${program}\n\`\`\``] }) }],
      strategies: [{ name: "cot" }],
      datasets: [dataset],
      outDir: tempDir(),
      grader,
      progress: "none",
    });
  const right = await run("function add(a, b) { return a + b; }");
  assert.deepEqual([right.results.accuracy, right.results.overall.errors], [1, 0]);
  const crashing = await run("function add(a, b) { throw new Error('nope'); }");
  assert.deepEqual(
    [crashing.results.accuracy, crashing.results.overall.n, crashing.results.overall.errors],
    [0, 1, 0],
  );
});

test("countdown items are graded by checking the expression", async () => {
  const { loadDataset } = await import("../../src/eval/datasets/load-dataset.ts");
  const dataset = await loadDataset("synthetic:countdown?difficulty=2&n=3&seed=1");
  const solutions = new Map(dataset.items.map((i) => [i.question, (i.meta!.solutions as string[]).at(-1)!]));
  const { ScriptedBackend } = await import("../../src/testing/scripted-backend.ts");
  const backend = new ScriptedBackend({
    script: ({ request }) => solutions.get(request.messages!.at(-1)!.content) ?? "#### 1+1",
  });
  const run = await runEval({
    models: [{ name: "m", backend }],
    strategies: [{ name: "cot" }],
    datasets: [dataset],
    outDir: tempDir(),
    grader,
    progress: "none",
  });
  assert.equal(run.results.accuracy, 1, "any valid expression is right, not only the gold one");
});

test("widening a synthetic set (more items, more seeds) solves only what is new", async () => {
  const outDir = tempDir();
  const run = async (n: number, seeds: number) => {
    const dataset = await arithmeticSet(n);
    return runEval({
      models: [{ name: "m", backend: answeringBackend(dataset) }],
      strategies: [{ name: "cot" }],
      datasets: [dataset],
      seeds,
      outDir,
      grader,
      progress: "none",
    });
  };
  assert.equal((await run(4, 1)).solved, 4);
  const more = await run(6, 1);
  assert.deepEqual([more.solved, more.skipped], [2, 4]);
  const seeded = await run(6, 2);
  assert.deepEqual([seeded.solved, seeded.skipped], [6, 6]);
  assert.equal(seeded.results.overall.n, 12);
  const narrower = await run(3, 1);
  assert.equal(narrower.solved, 0);
  assert.equal(narrower.results.overall.n, 3, "results cover this grid only, not the whole store");
});

test("an aborted run stores what finished and the next run completes the rest", async () => {
  const dataset = await arithmeticSet(8);
  const outDir = tempDir();
  const controller = new AbortController();
  let stored = 0;
  const first = await runEval({
    models: [{ name: "m", backend: answeringBackend(dataset, { delayMs: 5 }), concurrency: 1 }],
    strategies: [{ name: "cot" }],
    datasets: [dataset],
    outDir,
    grader,
    progress: "none",
    signal: controller.signal,
    onRecord: () => {
      if (++stored === 3) controller.abort();
    },
  });
  assert.equal(first.solved, 3);
  const second = await runEval({
    models: [{ name: "m", backend: answeringBackend(dataset) }],
    strategies: [{ name: "cot" }],
    datasets: [dataset],
    outDir,
    grader,
    progress: "none",
  });
  assert.deepEqual([second.skipped, second.solved], [3, 5]);
  assert.equal(second.results.overall.n, 8);
});
