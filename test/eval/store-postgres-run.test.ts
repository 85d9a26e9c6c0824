/**
 * Eval runs into Postgres: the same results as into SQLite, and a `deliberate eval --store
 * postgres://…` coordinator killed with SIGKILL part-way resumes to exactly what an uninterrupted
 * run stores. The model is a loopback OpenAI-compatible server in this process, so the test decides
 * how far the killed run gets (it stops answering) instead of racing a timer.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { loadDataset } from "../../src/eval/datasets/load-dataset.ts";
import { createItemGrader } from "../../src/eval/grade-item.ts";
import type { CellResult, EvalResults } from "../../src/eval/results.ts";
import { runEval } from "../../src/eval/runner.ts";
import { openStore } from "../../src/eval/store.ts";
import { type OpenAIServer, startOpenAIServer } from "../../src/testing/openai-server.ts";
import { runCli } from "../helpers/cli.ts";
import { type PostgresServer, startPostgres } from "../helpers/postgres.ts";
import { answeringBackend, arithmeticSet } from "./helpers/scripted-eval.ts";

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const tempDir = () => mkdtempSync(join(tmpdir(), "deliberate-pg-run-"));

/** Cells as compared across runs: everything but the wall time, which is the machine's. */
function comparableCells(cells: CellResult[]) {
  return cells.map(({ summary: { wallMs: _wallMs, ...summary }, ...cell }) => ({ ...cell, summary }));
}

async function query<Row>(url: string, text: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** Every stored record's outcome, in key order, and how many samples are stored. */
async function storedState(url: string) {
  const rows = await query<{ cell: string; item_id: string; seed: string; record: string }>(
    url,
    "SELECT cell, item_id, seed, record FROM results ORDER BY cell, item_id, seed",
  );
  const [{ n }] = await query<{ n: string }>(url, "SELECT COUNT(*) AS n FROM completions");
  return {
    records: rows.map((row) => {
      const r = JSON.parse(row.record);
      return [row.cell, row.item_id, Number(row.seed), r.status, r.correct, r.predicted, r.key, r.samples];
    }),
    completions: Number(n),
  };
}

test("a run into Postgres stores and reports what the same run into SQLite does, and re-running reuses it all", async () => {
  const dataset = await arithmeticSet(6);
  const options = {
    strategies: [{ name: "cot" }, { name: "self-consistency", options: { samples: 3 } }],
    datasets: [dataset],
    seeds: 2,
    grader: createItemGrader({ mode: "sync" }),
    progress: "none" as const,
  };
  const sqlite = await runEval({
    ...options,
    models: [{ name: "m", backend: answeringBackend(dataset) }],
    outDir: tempDir(),
  });
  const url = await server.createDatabase({ password: "s3cret" });
  const postgres = await runEval({
    ...options,
    models: [{ name: "m", backend: answeringBackend(dataset) }],
    outDir: tempDir(),
    storePath: url,
  });
  assert.equal(postgres.solved, 2 * 6 * 2);
  assert.deepEqual(comparableCells(postgres.results.cells), comparableCells(sqlite.results.cells));
  assert.equal(postgres.results.accuracy, sqlite.results.accuracy);
  const written = readFileSync(postgres.resultsPath, "utf8");
  assert.equal(postgres.results.settings.store, url.replace("s3cret", "***"));
  assert.doesNotMatch(written, /s3cret/);

  const sqliteStore = await openStore(sqlite.storePath);
  const postgresStore = await openStore(url);
  try {
    const outcome = (records: Awaited<ReturnType<typeof sqliteStore.records>>) =>
      records
        .map((r) => [r.cell, r.itemId, r.seed, r.status, r.correct, r.predicted, r.samples])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    assert.deepEqual(outcome(await postgresStore.records()), outcome(await sqliteStore.records()));
    assert.equal(await postgresStore.completionCount(), await sqliteStore.completionCount());
    assert.deepEqual((await postgresStore.verify()).corrupt, []);
  } finally {
    await sqliteStore.close();
    await postgresStore.close();
  }

  // Again into the same database: everything is finished, nothing is asked of the model.
  const backend = answeringBackend(dataset);
  const again = await runEval({
    ...options,
    models: [{ name: "m", backend }],
    outDir: tempDir(),
    storePath: url,
  });
  assert.deepEqual([again.solved, again.skipped], [0, 24]);
  assert.equal(backend.calls.length, 0);
  assert.deepEqual(comparableCells(again.results.cells), comparableCells(sqlite.results.cells));
});

/** A model server answering each question with its gold answer (or gold + 1 for odd-length questions). */
async function scriptedModel(gold: Map<string, string>) {
  let limit = Number.POSITIVE_INFINITY;
  let answered = 0;
  const model: OpenAIServer = await startOpenAIServer({
    responder: ({ prompt }) => {
      if (answered >= limit) return { fault: "hang" };
      answered++;
      const question = [...gold.keys()].find((q) => prompt.includes(q));
      if (question === undefined) return { choices: [{ text: "I do not know." }] };
      const answer = question.length % 2 === 0 ? gold.get(question)! : String(Number(gold.get(question)) + 1);
      return { choices: [{ text: `Working it out. The answer is \\boxed{${answer}}.` }] };
    },
  });
  return {
    model,
    /** Answers `n` more requests, then hangs every later one (a model that stops mid-run). */
    answerOnly(n: number) {
      limit = answered + n;
    },
    answerAll() {
      limit = Number.POSITIVE_INFINITY;
    },
  };
}

const bin = join(import.meta.dirname, "..", "..", "bin", "deliberate.js");

test("deliberate eval --store postgres://… killed with SIGKILL part-way resumes: every item once, results equal an uninterrupted run", async () => {
  const datasetSpec = "synthetic:arithmetic?difficulty=2&n=12&seed=3";
  const dataset = await loadDataset(datasetSpec);
  const gold = new Map(dataset.items.map((item) => [item.question, item.gold]));
  const total = 12 * 2;
  const { model, answerOnly, answerAll } = await scriptedModel(gold);
  try {
    const args = (url: string, out: string) => [
      "eval",
      "--model",
      `openai:test-model@${model.url}`,
      "--strategy",
      "cot",
      "--dataset",
      datasetSpec,
      "--seeds",
      "2",
      "--concurrency",
      "2",
      "--grader",
      "sync",
      "--progress",
      "none",
      "--out",
      out,
      "--store",
      url,
    ];

    // The uninterrupted reference, from a YAML eval file naming the store.
    const referenceUrl = await server.createDatabase({ password: "s3cret" });
    const referenceOut = tempDir();
    const plan = join(referenceOut, "eval.yaml");
    writeFileSync(
      plan,
      [
        `models: ["openai:test-model@${model.url}"]`,
        "strategies: [cot]",
        `datasets: ["${datasetSpec}"]`,
        "seeds: 2",
        "concurrency: 2",
        "grader: sync",
        "out: run",
        `store: "${referenceUrl}"`,
      ].join("\n"),
    );
    const reference = await runCli(["eval", plan, "--progress", "none"]);
    assert.equal(reference.code, 0, reference.stderr);
    assert.match(reference.stdout, new RegExp(`${total} solved, 0 reused`));
    const referenceResults: EvalResults = JSON.parse(
      readFileSync(join(referenceOut, "run", "results.json"), "utf8"),
    );
    assert.equal(
      (referenceResults.settings.plan as { store: string }).store,
      referenceUrl.replace("s3cret", "***"),
    );
    assert.doesNotMatch(readFileSync(join(referenceOut, "run", "results.json"), "utf8"), /s3cret/);

    // The run to kill: the model answers 7 requests (7 items: cot asks once per item), then hangs.
    const url = await server.createDatabase({ password: "s3cret" });
    const out = join(tempDir(), "run");
    const answeredBefore = 7;
    answerOnly(answeredBefore);
    const child: ChildProcess = spawn(process.execPath, [bin, ...args(url, out)], { stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    // Wait for the real condition: those 7 records committed (grouped writes commit within 50 ms).
    const count = async () => {
      try {
        return Number((await query<{ n: string }>(url, "SELECT COUNT(*) AS n FROM results"))[0].n);
      } catch {
        return 0; // the child has not created the tables yet
      }
    };
    const deadline = Date.now() + 90_000;
    while ((await count()) < answeredBefore && Date.now() < deadline) await sleep(20);
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL");
    const stored = await count();
    assert.equal(stored, answeredBefore, "killed with exactly the answered items stored");

    answerAll();
    const requestsBefore = model.requests.length;
    const resumed = await runCli(args(url, out));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`${total - stored} solved, ${stored} reused`));
    assert.equal(
      model.requests.length - requestsBefore,
      total - stored,
      "finished items are not asked again",
    );

    const a = await storedState(referenceUrl);
    const b = await storedState(url);
    assert.equal(b.records.length, total, "one record per item and seed");
    assert.deepEqual(b.records, a.records);
    assert.equal(b.completions, a.completions, "each sample stored once");
    const results: EvalResults = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    assert.deepEqual(comparableCells(results.cells), comparableCells(referenceResults.cells));
    assert.equal(results.accuracy, referenceResults.accuracy);
    assert.ok(results.accuracy > 0 && results.accuracy < 1, "both right and wrong answers were graded");

    // `deliberate store verify` reads the same database, showing its URL without the password.
    const verified = await runCli(["store", "verify", url]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /postgres:\/\/deliberate:\*\*\*@127\.0\.0\.1:\d+\/test_\d+: ok/);
    assert.match(verified.stdout, new RegExp(`samples: ${b.completions} \\(0 from before digests`));
    assert.doesNotMatch(verified.stdout + verified.stderr, /s3cret/);
    await query(
      url,
      `UPDATE completions SET completion = replace(completion, 'Working', 'Shirking') WHERE key = (SELECT MIN(key) FROM completions)`,
    );
    const tampered = await runCli(["store", "verify", url, "--json"]);
    assert.equal(tampered.code, 1, tampered.stderr);
    assert.equal(JSON.parse(tampered.stdout).corrupt.length, 1);
  } finally {
    await model.close();
  }
});
