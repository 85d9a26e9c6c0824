import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runCli } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "rewards-audit-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const record = (id: string, answer: string) => JSON.stringify({ id, question: `Question ${id}?`, answer });

test("rewards audit: the broken golds of a JSONL dataset by line number, and exit 1", async () => {
  const file = join(dir, "golds.jsonl");
  writeFileSync(
    file,
    [
      record("q1", "4"),
      record("q2", "\\frac{1}{2}"),
      "",
      record("q3", "\\boxed{}"),
      record("q4", "x = 3"),
      record("q5", "The problem has no well-defined answer in this form."),
      record("q6", "(1, 2)"),
    ].join("\n"),
  );
  const run = await runCli(["rewards", "audit", file, "--workers", "1"]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /golds\.jsonl: 2 of 6 gold answers broken \(no-answer 2\)/);
  assert.match(run.stdout, /line 4 \(id q3\): no-answer: /);
  assert.match(run.stdout, /line 6 \(id q5\): no-answer: /);
  assert.doesNotMatch(run.stdout, /\(id q[1246]\)/);

  const json = await runCli(["rewards", "audit", file, "--json", "--workers", "1"]);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.equal(report.items, 6);
  assert.equal(report.broken, 2);
  assert.equal(report.lineUnit, "line");
  assert.deepEqual(
    report.findings.map((f: { line: number; id: string; problem: string }) => [f.line, f.id, f.problem]),
    [
      [4, "q3", "no-answer"],
      [6, "q5", "no-answer"],
    ],
  );
});

test("rewards audit: a clean dataset exits 0", async () => {
  const file = join(dir, "clean.jsonl");
  writeFileSync(file, [record("a", "12"), record("b", "\\sqrt{2}"), record("c", "[0, 1)")].join("\n"));
  const run = await runCli(["rewards", "audit", file, "--workers", "1"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /clean\.jsonl: all 3 gold answers check out/);
});

test("rewards audit: an unreadable dataset or a bad flag exits 2", async () => {
  const missing = await runCli(["rewards", "audit", join(dir, "nope.jsonl")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read dataset/);
  const bad = await runCli(["rewards", "audit", join(dir, "clean.jsonl"), "--field", "answr=solution"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /OURS=THEIRS/);
});
