import assert from "node:assert/strict";
import { test } from "node:test";
import { gradeJsonl } from "../../src/grading/grade-jsonl.ts";
import { GradePool } from "../../src/grading/pool.ts";

async function* linesOf(lines: string[]) {
  for (const line of lines) yield line;
}

test("gradeJsonl keeps input order under a small window and honours per-line options", async () => {
  const pool = new GradePool({ size: 2 });
  try {
    const lines = [
      ...Array.from({ length: 30 }, (_, i) =>
        JSON.stringify({ n: i, gold: String(i), pred: `\\boxed{${i % 3 === 0 ? i : i + 1}}` }),
      ),
      JSON.stringify({ n: 30, gold: "50\\%", pred: "50", percentAsFraction: false }),
      JSON.stringify({
        n: 31,
        gold: "C",
        pred: "The answer is Rome",
        kind: "choice",
        choices: ["Oslo", "Paris", "Rome"],
      }),
      JSON.stringify({ n: 32, gold: "1", pred: "1", kind: "essay" }),
    ];
    const out: string[] = [];
    const summary = await gradeJsonl(linesOf(lines), (line) => void out.push(line), { pool, window: 4 });
    const rows = out.map((l) => JSON.parse(l));
    assert.deepEqual(
      rows.slice(0, 30).map((r) => [r.n, r.verdict]),
      Array.from({ length: 30 }, (_, i) => [i, i % 3 === 0]),
    );
    assert.equal(rows[30].verdict, true);
    assert.equal(rows[31].verdict, true);
    assert.equal(rows[31].extracted, "C");
    assert.match(rows[32].error, /^line 33: `kind`/);
    assert.deepEqual(summary, { lines: 33, correct: 12, malformed: 1 });
  } finally {
    await pool.close();
  }
});

test("gradeJsonl honours per-line precision and tolerance (Math-Verify's float_rounding)", async () => {
  const pool = new GradePool({ size: 1 });
  try {
    const lines = [
      JSON.stringify({ gold: "\\frac{1}{3}", pred: "0.333" }),
      JSON.stringify({ gold: "\\frac{1}{3}", pred: "0.333", precision: 3 }),
      JSON.stringify({ gold: "\\frac{1}{3}", pred: "0.3333", tolerance: 1e-4 }),
      JSON.stringify({ gold: "1", pred: "1", precision: 99 }),
    ];
    const out: string[] = [];
    await gradeJsonl(linesOf(lines), (line) => void out.push(line), { pool });
    const rows = out.map((l) => JSON.parse(l));
    assert.deepEqual(
      rows.slice(0, 3).map((r) => r.verdict),
      [false, true, true],
    );
    assert.match(rows[3].error, /^line 4: `precision`/);
  } finally {
    await pool.close();
  }
});
