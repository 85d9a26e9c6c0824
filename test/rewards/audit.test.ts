import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ambiguity, auditDataset, auditGold } from "../../src/rewards/audit.ts";

const dir = mkdtempSync(join(tmpdir(), "rewards-audit-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("ambiguity: several different boxes or a hedge between values; lists and relations are one answer", () => {
  const ambiguous = [
    ["\\boxed{3} or \\boxed{4}", "3, 4"],
    ["So $\\boxed{2}$ for (a) and $\\boxed{5}$ for (b).", "5"],
    ["3 or 4", "3 or 4"],
    ["either 3 or 4", "3, 4"],
    ["maybe 12", "12"],
  ];
  for (const [gold, answer] of ambiguous) assert.notEqual(ambiguity(gold, answer), null, gold);
  const single = [
    ["\\boxed{4}. Check: \\boxed{4}", "4"],
    ["1, 2", "1, 2"],
    ["x < 1 or x > 3", "x < 1 or x > 3"],
    ["x = 3 \\text{ or } x = 4", "x = 3 \\text{ or } x = 4"],
    ["\\{1, 2\\}", "\\{1, 2\\}"],
    ["(-\\infty, 2) \\cup (3, \\infty)", "(-\\infty, 2) \\cup (3, \\infty)"],
  ];
  for (const [gold, answer] of single) assert.equal(ambiguity(gold, answer), null, gold);
});

test("auditGold: each problem once, with counts; clean golds pass", async () => {
  const report = await auditGold(
    [
      { id: "ok", gold: "\\frac{3}{4}" },
      { id: "empty", gold: "" },
      { id: "box", gold: "\\boxed{}" },
      { id: "open", gold: "\\boxed{12" },
      { id: "hedge", gold: "3 or 4" },
      { id: "boxes", gold: "\\boxed{1} and \\boxed{2}" },
      // A text gold whose answer is read only by the number fallback, which text answers do not use.
      { id: "text", gold: "we were told the total is 42 and nothing more than that here", kind: "text" },
      { id: "choice-ok", gold: "C", kind: "choice", choices: ["a", "b", "c"] },
      { id: "choice-out", gold: "E", kind: "choice", choices: ["a", "b", "c"] },
      { id: "code-ok", gold: "", kind: "code", tests: { language: "javascript", code: "assert(f() === 1)" } },
      { id: "code-none", gold: "", kind: "code" },
      {
        id: "code-syntax",
        gold: "",
        kind: "code",
        tests: { language: "javascript", code: "assert(f( === 1)" },
      },
    ],
    { workers: 1, timeoutMs: 5000 },
  );
  assert.equal(report.items, 12);
  assert.deepEqual(
    report.findings.map((f) => [f.index, f.id, f.problem]),
    [
      [1, "empty", "no-answer"],
      [2, "box", "no-answer"],
      [3, "open", "no-answer"],
      [4, "hedge", "ambiguous"],
      [5, "boxes", "ambiguous"],
      [6, "text", "not-self-equal"],
      [8, "choice-out", "no-answer"],
      [10, "code-none", "no-tests"],
      [11, "code-syntax", "tests-unparseable"],
    ],
  );
  assert.equal(report.broken, 9);
  assert.deepEqual(report.counts, {
    invalid: 0,
    "no-answer": 4,
    "not-self-equal": 1,
    unchecked: 0,
    ambiguous: 2,
    "no-tests": 1,
    "tests-unparseable": 1,
  });
  assert.equal(report.lineUnit, "item");
});

test("auditDataset: records the layout refuses are findings with their line, not the end of the audit", async () => {
  const file = join(dir, "mixed.jsonl");
  writeFileSync(
    file,
    [
      JSON.stringify({ id: "a", question: "1+1?", answer: "2" }),
      JSON.stringify({ id: "b", question: "no answer field" }),
      "",
      JSON.stringify({ id: "c", question: "q", answer: "\\boxed{}" }),
      JSON.stringify({ question: "q", answer: "3 or 4" }),
    ].join("\n"),
  );
  const report = await auditDataset(file, { workers: 1, layout: "plain" });
  assert.equal(report.items, 4);
  assert.equal(report.lineUnit, "line");
  assert.deepEqual(
    report.findings.map((f) => [f.index, f.line, f.id, f.problem]),
    [
      [1, 2, "b", "invalid"],
      [2, 4, "c", "no-answer"],
      [3, 5, "mixed-3", "ambiguous"],
    ],
  );
  assert.match(report.findings[0].reason, /^missing field `answer`/);
});

test("auditDataset: CSV counts lines, JSON elements; choice answers outside the options are invalid", async () => {
  const csv = join(dir, "golds.csv");
  writeFileSync(csv, 'id,question,answer\nx,"What, exactly?",5\ny,Why?,\\boxed{}\n');
  const fromCsv = await auditDataset(csv, { workers: 1 });
  assert.equal(fromCsv.lineUnit, "line");
  assert.deepEqual(
    fromCsv.findings.map((f) => [f.line, f.id, f.problem]),
    [[3, "y", "no-answer"]],
  );
  const json = join(dir, "choices.json");
  writeFileSync(
    json,
    JSON.stringify([
      { id: "m1", question: "Pick", choices: ["a", "b"], answer: "B" },
      { id: "m2", question: "Pick", choices: ["a", "b"], answer: "D" },
    ]),
  );
  const fromJson = await auditDataset(json, { workers: 1 });
  assert.equal(fromJson.lineUnit, "element");
  assert.deepEqual(
    fromJson.findings.map((f) => [f.line, f.id, f.problem]),
    [[2, "m2", "invalid"]],
  );
});

test("auditDataset: a synthetic set is clean", async () => {
  const report = await auditDataset("synthetic:arithmetic?n=20", { workers: 1 });
  assert.equal(report.items, 20);
  assert.equal(report.broken, 0);
});
