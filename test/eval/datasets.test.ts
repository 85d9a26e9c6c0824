import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { lastBoxed } from "../../src/eval/datasets/layouts.ts";
import { loadDataset } from "../../src/eval/datasets/load-dataset.ts";
import { writeParquet } from "./helpers/write-parquet.ts";

const fixture = (name: string) => join(import.meta.dirname, "fixtures", name);

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(DeliberateError.isInstance(error), "a DeliberateError");
    assert.equal(error.code, "BAD_REQUEST");
    assert.match(error.message, pattern);
    return true;
  });
}

test("GSM8K: gold is the number after ####, commas dropped", async () => {
  const dataset = await loadDataset(fixture("gsm8k.jsonl"));
  assert.equal(dataset.name, "gsm8k");
  assert.deepEqual(
    dataset.items.map((i) => [i.id, i.gold, i.kind]),
    [
      ["gsm8k-0", "72", "math"],
      ["gsm8k-1", "2400", "math"],
    ],
  );
  assert.match(dataset.items[0].question, /^Natalia sold clips/);
});

test("MATH: the answer field, else the last \\boxed{}; level and subject/type become difficulty and category", async () => {
  const { items } = await loadDataset(fixture("math.jsonl"));
  assert.equal(items[0].gold, "\\frac{5}{6}");
  assert.equal(items[0].difficulty, 2);
  assert.equal(items[0].category, "Prealgebra");
  assert.equal(items[1].gold, "4");
  assert.equal(items[1].difficulty, 1);
  assert.equal(items[1].category, "Algebra");
  assert.equal(lastBoxed("a \\boxed{1} then \\boxed{\\frac{a}{b}} end"), "\\frac{a}{b}");
  assert.equal(lastBoxed("no box"), null);
});

test("AIME-style JSON: ids kept, numeric answers as text", async () => {
  const { items } = await loadDataset(fixture("aime.json"));
  assert.deepEqual(
    items.map((i) => [i.id, i.gold]),
    [
      ["2024-I-1", "1"],
      ["2024-I-2", "81"],
    ],
  );
});

test("multiple choice CSV: quoted fields, |-lists and JSON lists; gold as a letter", async () => {
  const { items } = await loadDataset(fixture("choice.csv"));
  assert.deepEqual(items[0].choices, ["Berlin", "Paris", "Rome"]);
  assert.equal(items[0].gold, "B");
  assert.equal(items[1].question, 'Pick the prime, "carefully"');
  assert.deepEqual(items[1].choices, ["4", "6", "7"]);
  assert.equal(items[1].gold, "C");
  assert.equal(items[2].question, "Which is largest?\n(two lines)");
  assert.equal(items[2].gold, "A", "a choice's own text wins over an index");
  assert.ok(items.every((i) => i.kind === "choice"));
});

test("code JSONL: prompt and tests, language per record", async () => {
  const { items } = await loadDataset(fixture("code.jsonl"));
  assert.equal(items[0].kind, "code");
  assert.deepEqual(items[0].tests, {
    language: "javascript",
    code: "if (add(2, 3) !== 5) throw new Error('add');",
  });
  assert.deepEqual(items[1].tests, {
    language: "python",
    code: "assert square(3) == 9\nassert square(0) == 0",
  });
});

test("a field mapping reads custom names; difficulty filters and limit truncates", async () => {
  const fields = { id: "uid", question: "q", answer: "gold", difficulty: "lvl" };
  const all = await loadDataset(fixture("custom.jsonl"), { layout: "plain", fields });
  assert.deepEqual(
    all.items.map((i) => [i.id, i.question, i.gold, i.difficulty]),
    [
      ["a", "2+2?", "4", 1],
      ["b", "3*3?", "9", 2],
    ],
  );
  const hard = await loadDataset(fixture("custom.jsonl"), { layout: "plain", fields, difficulty: 2 });
  assert.deepEqual(
    hard.items.map((i) => i.id),
    ["b"],
  );
  const one = await loadDataset(fixture("custom.jsonl"), { layout: "plain", fields, limit: 1 });
  assert.equal(one.items.length, 1);
});

test("Parquet with the MATH layout", async () => {
  const dir = mkdtempSync(join(tmpdir(), "deliberate-parquet-"));
  const path = join(dir, "math.parquet");
  writeParquet(path, [
    { name: "problem", values: ["What is 2+3?", "Half of 9?"] },
    { name: "solution", values: ["$\\boxed{5}$", "$\\boxed{\\frac{9}{2}}$"] },
    { name: "level", values: [1, 3], int: true },
  ]);
  const { items } = await loadDataset(path, { layout: "math" });
  assert.deepEqual(
    items.map((i) => [i.id, i.question, i.gold, i.difficulty]),
    [
      ["math-0", "What is 2+3?", "5", 1],
      ["math-1", "Half of 9?", "\\frac{9}{2}", 3],
    ],
  );
});

test("a malformed line or a missing field is a BAD_REQUEST naming the file and line", async () => {
  await rejectsWith(loadDataset(fixture("malformed.jsonl")), /malformed\.jsonl:2: malformed JSON/);
  await rejectsWith(
    loadDataset(fixture("missing-field.jsonl")),
    /missing-field\.jsonl:2: missing field `answer`/,
  );
  await rejectsWith(
    loadDataset(fixture("gsm8k.jsonl"), { layout: "math" }),
    /gsm8k\.jsonl:1: missing field `problem`/,
  );
  await rejectsWith(loadDataset(fixture("nope.jsonl")), /cannot read dataset/);
  await rejectsWith(loadDataset(fixture("choice.csv"), { limit: -1 }), /`limit`/);
});

test("synthetic specs: options in the spec win over defaults", async () => {
  const dataset = await loadDataset("synthetic:linear?difficulty=3&n=5&seed=2", { difficulty: 1, n: 50 });
  assert.equal(dataset.items.length, 5);
  assert.ok(dataset.items.every((i) => i.difficulty === 3 && i.id.startsWith("linear-d3-s2-")));
  assert.equal(dataset.spec, "synthetic:linear?difficulty=3&n=5&seed=2");
  assert.equal(
    dataset.name,
    "synthetic:linear?difficulty=3&seed=2",
    "n is not part of the name: more items extend the set",
  );
  const limited = await loadDataset("synthetic:countdown", { limit: 3 });
  assert.equal(limited.items.length, 3);
  assert.ok(limited.items.every((i) => i.check === "countdown"));
  await rejectsWith(loadDataset("synthetic:nope"), /unknown synthetic generator `nope`/);
  await rejectsWith(loadDataset("synthetic:linear?level=2"), /unknown synthetic option `level`/);
  await rejectsWith(loadDataset("synthetic:linear?difficulty=0"), /`difficulty`/);
});

test("plain records keep their own kind (distill's JSONL rows), math by default; a kind plain cannot grade is refused", async () => {
  const { writeFileSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "deliberate-plain-kind-"));
  const rows = join(dir, "rows.jsonl");
  writeFileSync(
    rows,
    [
      { id: "a", question: "Capital of France?", answer: "Paris", kind: "text" },
      { id: "b", question: "Compute 2+3.", answer: "5", kind: "math" },
      { id: "c", question: "Compute 4+4.", answer: "8" },
    ]
      .map((row) => JSON.stringify(row))
      .join("\n"),
  );
  const dataset = await loadDataset(rows);
  assert.deepEqual(
    dataset.items.map((item) => [item.id, item.kind]),
    [
      ["a", "text"],
      ["b", "math"],
      ["c", "math"],
    ],
  );
  // The caller's kind wins over the rows'.
  assert.deepEqual(
    (await loadDataset(rows, { kind: "text" })).items.map((item) => item.kind),
    ["text", "text", "text"],
  );
  const bad = join(dir, "bad.jsonl");
  writeFileSync(bad, JSON.stringify({ question: "Pick one.", answer: "B", kind: "choice" }));
  await rejectsWith(
    loadDataset(bad),
    /bad\.jsonl:1: field `kind` of a plain record must be `math` or `text`/,
  );
});
