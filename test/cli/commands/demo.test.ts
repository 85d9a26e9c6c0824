import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../../helpers/cli.ts";

test("deliberate demo: greedy, voting, the verifier and the cascade on the builtin models, offline, with a report", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "deliberate-demo-")), "run");
  const run = await runCli(
    [
      "demo",
      "--problems",
      "3",
      "--samples",
      "2",
      "--seed",
      "9",
      "--threads",
      "1",
      "--progress",
      "none",
      "-o",
      out,
    ],
    { timeoutMs: 240_000 },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /3 fresh `sums` problems at level 6 \(seed 9\)/);
  const rows = run.stdout.split("\n");
  for (const [strategy, models] of [
    ["cot (greedy)", "tiny-reasoner "],
    ["self-consistency", "tiny-reasoner "],
    ["weighted-best-of-n", "tiny-reasoner + tiny-reasoner-verifier"],
    ["cascade", "tiny-reasoner → tiny-reasoner-large"],
    ["cot (greedy)", "tiny-reasoner-large"],
    ["self-consistency", "tiny-reasoner-large"],
  ]) {
    assert.ok(
      rows.some((row) => row.startsWith(strategy) && row.includes(models)),
      `a row for ${strategy} on ${models}:\n${run.stdout}`,
    );
  }
  assert.ok(existsSync(join(out, "report.html")));
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  assert.equal(results.cells.length, 6);
  assert.equal(results.costUnit, "MFLOP", "the demo's prices are model compute");
  assert.match(
    readFileSync(join(out, "report.html"), "utf8"),
    /cost \/item <span class="unit">\(MFLOP\)<\/span>/,
  );
  for (const cell of results.cells) {
    assert.equal(cell.summary.n, 3);
    assert.ok(cell.summary.cost > 0, "model compute is counted through the prices");
  }
});
