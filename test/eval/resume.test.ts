import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";

const child = join(import.meta.dirname, "helpers", "resume-child.ts");
const total = 24 * 2;

function runChild(outDir: string, delayMs: number, mode = ""): { solved: number; skipped: number } {
  const result = spawnSync(process.execPath, ["--import", "tsx", child, outDir, String(delayMs), mode], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!);
}

function finishedCount(storePath: string): number {
  try {
    const db = new Database(storePath, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM results WHERE status = 'ok'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet
  }
}

function comparable(outDir: string) {
  const db = new Database(join(outDir, "store.sqlite"), { readonly: true });
  const rows = db
    .prepare("SELECT cell, item_id, seed, record FROM results ORDER BY cell, item_id, seed")
    .all() as Array<{
    cell: string;
    item_id: string;
    seed: number;
    record: string;
  }>;
  const completions = (db.prepare("SELECT COUNT(*) AS n FROM completions").get() as { n: number }).n;
  db.close();
  const records = rows.map((row) => {
    const r = JSON.parse(row.record);
    return [
      row.cell,
      row.item_id,
      row.seed,
      r.status,
      r.correct,
      r.predicted,
      r.key,
      r.samples,
      r.usage,
      r.cascade,
    ];
  });
  const results = JSON.parse(readFileSync(join(outDir, "results.json"), "utf8"));
  return {
    records,
    completions,
    accuracy: results.accuracy,
    curves: results.overall.curves,
    n: results.overall.n,
    usage: results.overall.usage,
    cascade: results.overall.cascade,
  };
}

/** Runs the child whole, then killed midway and resumed; returns the whole run's comparable state. */
async function killAndResume(mode: string): Promise<ReturnType<typeof comparable>> {
  const reference = mkdtempSync(join(tmpdir(), "deliberate-resume-ref-"));
  const whole = runChild(reference, 0, mode);
  assert.deepEqual(whole, { solved: total, skipped: 0 });

  const outDir = mkdtempSync(join(tmpdir(), "deliberate-resume-"));
  const storePath = join(outDir, "store.sqlite");
  const proc = spawn(process.execPath, ["--import", "tsx", child, outDir, "15", mode], { stdio: "ignore" });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on("exit", (_code, signal) => resolve(signal)),
  );
  // Kill once some, but not all, items are stored.
  const deadline = Date.now() + 60_000;
  while (finishedCount(storePath) < 8 && Date.now() < deadline) await sleep(20);
  proc.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");
  const before = finishedCount(storePath);
  assert.ok(before >= 8 && before < total, `killed midway (${before} of ${total} stored)`);

  const resumed = runChild(outDir, 0, mode);
  assert.equal(resumed.skipped, before, "finished items are not solved again");
  assert.equal(resumed.solved, total - before);

  const a = comparable(reference);
  const b = comparable(outDir);
  assert.equal(b.records.length, total, "one record per item and seed");
  assert.deepEqual(b.records, a.records);
  assert.equal(b.completions, a.completions, "each sample stored once");
  assert.equal(b.accuracy, a.accuracy);
  assert.deepEqual(b.curves, a.curves);
  assert.equal(b.n, total);
  assert.deepEqual(b.usage, a.usage);
  assert.deepEqual(b.cascade, a.cascade);
  return a;
}

test("a run killed with SIGKILL resumes to the same results as an uninterrupted run, nothing lost or doubled", async () => {
  await killAndResume("");
});

test("kill and resume with a large model: a cascade's escalations and large-model usage come out the same", async () => {
  const reference = await killAndResume("cascade");
  // The setup escalates some questions and not others, so both paths are exercised.
  assert.ok(
    reference.cascade.escalated > 0 && reference.cascade.escalated < total,
    JSON.stringify(reference.cascade),
  );
  assert.ok(reference.usage.large.calls > 0);
});
