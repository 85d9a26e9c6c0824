import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { DistilledTrace, DistillManifest, SftRow } from "../../src/distill/types.ts";
import { gradeSync } from "../../src/grading/index.ts";
import { runCli } from "../helpers/cli.ts";
import { readJsonl } from "./helpers/scripted-teacher.ts";

const teacher = "builtin:tiny-reasoner-large";
const problems = 4;
const k = 4;
const maxTokens = 48;

test("deliberate distill with a real llama.cpp teacher: counts add up, every kept trace graded correct, a rerun reuses everything", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "deliberate-distill-llama-")), "data");
  const args = [
    "distill",
    "--teacher",
    teacher,
    "--dataset",
    `synthetic:sums?difficulty=4&n=${problems}&seed=11`,
    "-k",
    String(k),
    "--max-completion-tokens",
    String(maxTokens),
    "--star",
    "--threads",
    "1",
    "--concurrency",
    "2",
    "--grader",
    "sync",
    "--progress",
    "none",
    "--out",
    out,
  ];
  const first = await runCli(args, { timeoutMs: 300_000 });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`${problems} problems × 1 teacher`));

  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as DistillManifest;
  const traces = readJsonl<DistilledTrace>(out, "traces.jsonl");
  const written = readFileSync(join(out, "traces.jsonl"), "utf8");
  const sft = readJsonl<SftRow>(out, "sft.jsonl");
  const samples = traces.filter((t) => t.source === "sample");
  const rationales = traces.filter((t) => t.source === "star");
  assert.equal(samples.length, problems * k, "k traces per problem");
  const unsolvedBySamples =
    new Set(samples.map((t) => t.problemId)).size -
    new Set(samples.filter((t) => t.correct).map((t) => t.problemId)).size;
  assert.equal(rationales.length, unsolvedBySamples * k, "STaR asks exactly the problems no sample solved");
  assert.equal(manifest.counts.traces, traces.length);
  assert.equal(manifest.counts.correct, traces.filter((t) => t.correct).length);
  // Rejection sampling + dedupe: accepted = kept + removed duplicates (no mixing here).
  assert.equal(
    manifest.counts.correct,
    manifest.counts.kept + manifest.counts.exactDuplicates + manifest.counts.nearDuplicates,
  );
  assert.equal(sft.length, manifest.counts.kept);
  const byId = new Map(traces.map((t) => [t.id, t]));
  for (const row of sft) {
    const trace = byId.get(row.id);
    assert.ok(trace?.correct, `${row.id} is a trace the grader accepted`);
    assert.equal(row.solution, trace.text);
  }
  for (const trace of samples) {
    // The verdict stored is the grader's on the very text written.
    assert.equal(trace.correct, gradeSync(trace.text, trace.gold, { kind: "math" }).correct, trace.id);
    assert.ok(trace.tokens > 0 && trace.tokens <= maxTokens, `${trace.id}: ${trace.tokens} tokens`);
  }
  assert.equal(
    manifest.passRates.counts.reduce((a, b) => a + b, 0),
    problems,
  );
  assert.equal(
    manifest.lengths.counts.reduce((a, b) => a + b, 0),
    manifest.counts.kept,
  );
  const accuracy = (manifest.settings.teacherAccuracy as Record<string, number>)[teacher];
  assert.ok(accuracy >= 0 && accuracy <= 1);
  assert.equal(readJsonl(out, "trl/sft.jsonl").length, sft.length);
  assert.equal(readJsonl(out, "prompts.jsonl").length, problems);

  // Everything is in the store: a second run calls no model and writes the same records.
  const again = await runCli(args, { timeoutMs: 300_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /\b0 solved, \d+ reused/);
  assert.equal(readFileSync(join(out, "traces.jsonl"), "utf8"), written);
});
