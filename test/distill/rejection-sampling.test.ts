import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { distill } from "../../src/distill/distill.ts";
import type { DistilledTrace, DistillManifest, SftRow } from "../../src/distill/types.ts";
import { gradeSync } from "../../src/grading/index.ts";
import { readJsonl, scriptedTeacher, sumsSet, workedTrace } from "./helpers/scripted-teacher.ts";

const k = 6;
/** Right unless (problem + sample) is a multiple of 3: 4 of 6 samples right per problem. */
const isRight = (problem: number, sample: number) => (problem + sample) % 3 !== 0;

test("rejection sampling keeps exactly the traces the grader accepts; pass rates count them per problem", async () => {
  const dataset = await sumsSet(9);
  const teacher = scriptedTeacher(dataset, (turn) =>
    workedTrace(turn, isRight(turn.problem, turn.sample) ? turn.item.gold : Number(turn.item.gold) + 1),
  );
  const out = mkdtempSync(join(tmpdir(), "deliberate-distill-rs-"));
  const run = await distill({
    teachers: ["scripted"],
    backends: { scripted: teacher },
    dataset: "synthetic:sums?difficulty=3&n=9&seed=5",
    samples: k,
    // Every trace is worded differently; 1.0 removes only copies, so every accepted trace stays.
    dedupeThreshold: 1,
    out,
    grader: "sync",
    progress: "none",
  });
  assert.equal(run.interrupted, false);
  assert.equal(run.passes.eval.solved, 9);

  const traces = readJsonl<DistilledTrace>(out, "traces.jsonl");
  const sft = readJsonl<SftRow>(out, "sft.jsonl");
  assert.equal(traces.length, 9 * k, "one trace per sample");
  for (const trace of traces) {
    // The verdict in the file is the grader's: an independent grading of the text agrees.
    assert.equal(trace.correct, gradeSync(trace.text, trace.gold, { kind: "math" }).correct, trace.id);
    const problem = dataset.items.findIndex((item) => item.id === trace.problemId);
    assert.equal(trace.correct, isRight(problem, trace.sample), trace.id);
    assert.equal(trace.source, "sample");
    assert.equal(trace.teacher, "scripted");
    assert.ok(trace.tokens > 0);
  }
  const accepted = traces.filter((t) => t.correct).map((t) => t.id);
  assert.deepEqual(
    sft.map((row) => row.id),
    accepted,
    "kept = accepted, in order",
  );
  assert.equal(accepted.length, 9 * 4);
  for (const row of sft) {
    const trace = traces.find((t) => t.id === row.id)!;
    assert.equal(row.solution, trace.text);
    assert.equal(row.answer, trace.gold);
    assert.equal(row.passRate, 4 / 6);
  }

  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as DistillManifest;
  assert.equal(manifest.counts.traces, 9 * k);
  assert.equal(manifest.counts.correct, 9 * 4);
  assert.equal(manifest.counts.kept, 9 * 4);
  assert.equal(manifest.counts.exactDuplicates + manifest.counts.nearDuplicates, 0);
  assert.equal(manifest.counts.unsolved, 0);
  assert.equal(manifest.settings.k, k);
  // The teacher's majority vote is right on every problem (4 of 6 agree on the gold answer).
  assert.deepEqual(manifest.settings.teacherAccuracy, { scripted: 1 });
  // Pass rate 4/6 ≈ 0.67 falls in the [0.6, 0.7) bin.
  assert.equal(manifest.passRates.counts[6], 9);
  assert.equal(
    manifest.passRates.counts.reduce((a, b) => a + b, 0),
    9,
  );
  // DPO: per problem min(max(4 right, 2 wrong), 2) = 2 pairs of a right and a wrong trace.
  const dpo = readJsonl<{ chosen: string; rejected: string; id: string }>(out, "dpo.jsonl");
  assert.equal(dpo.length, 9 * 2);
  assert.equal(manifest.counts.dpoPairs, dpo.length);
  for (const pair of dpo) {
    assert.ok(traces.some((t) => t.correct && t.text === pair.chosen));
    assert.ok(traces.some((t) => !t.correct && t.text === pair.rejected));
  }
  const problems = readJsonl<{ id: string; answer: string; passRate: number }>(out, "prompts.jsonl");
  assert.deepEqual(
    problems.map((p) => [p.id, p.answer]),
    dataset.items.map((item) => [item.id, item.gold]),
  );
  await teacher.close();
});

test("pass rates: a problem's share of accepted samples over all teachers; a problem nobody solves is unsolved", async () => {
  const dataset = await sumsSet(3);
  // Problem 0: both teachers always right; problem 1: only `a`, half its samples; problem 2: never.
  const a = scriptedTeacher(
    dataset,
    (turn) =>
      workedTrace(
        turn,
        turn.problem === 0 || (turn.problem === 1 && turn.sample % 2 === 0) ? turn.item.gold : 0,
      ),
    { id: "a" },
  );
  const b = scriptedTeacher(dataset, (turn) => workedTrace(turn, turn.problem === 0 ? turn.item.gold : 0), {
    id: "b",
  });
  const out = mkdtempSync(join(tmpdir(), "deliberate-distill-pass-"));
  const run = await distill({
    teachers: ["a", "b"],
    backends: { a, b },
    dataset: "synthetic:sums?difficulty=3&n=3&seed=5",
    samples: 4,
    dedupeThreshold: 1,
    out,
    grader: "sync",
    progress: "none",
  });
  const manifest = run.manifest!;
  const card = readFileSync(join(out, "README.md"), "utf8");
  assert.match(card, /Distilled reasoning traces/);
  assert.equal(manifest.counts.traces, 3 * 2 * 4);
  assert.equal(manifest.counts.unsolved, 1);
  assert.deepEqual(manifest.teachers, ["a", "b"]);
  const prompts = readJsonl<{ id: string; passRate: number }>(out, "prompts.jsonl");
  assert.deepEqual(
    prompts.map((p) => p.passRate),
    [1, 2 / 8, 0],
  );
  const traces = readJsonl<DistilledTrace>(out, "traces.jsonl");
  // Dataset order, then teachers in the order given, then sample index.
  assert.deepEqual(
    traces.slice(0, 8).map((t) => `${t.teacher}/${t.sample}`),
    ["a/0", "a/1", "a/2", "a/3", "b/0", "b/1", "b/2", "b/3"],
  );
  assert.ok(traces.every((t) => t.problemId === dataset.items[Math.floor(traces.indexOf(t) / 8)].id));
  await a.close();
  await b.close();
});
