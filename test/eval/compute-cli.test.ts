import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { EvalResults } from "../../src/eval/results.ts";
import { builtinManifest } from "../../src/models/builtin.ts";
import { runCli } from "../helpers/cli.ts";

const out = () => join(mkdtempSync(join(tmpdir(), "deliberate-compute-cli-")), "run");

test("deliberate eval sweeps a budget on the builtin model through llama.cpp: FLOPs from the GGUF's parameters, the compute chart in the report", async () => {
  const dir = out();
  const run = await runCli([
    "eval",
    "-m",
    "builtin:tiny-reasoner",
    "-m",
    "openai:unsized@http://127.0.0.1:9/v1",
    "-s",
    "self-consistency?samples=1,2&maxTokens=40",
    "-d",
    "synthetic:sums?difficulty=2&n=2&seed=5",
    "--threads",
    "1",
    "--concurrency",
    "1",
    "--grader",
    "sync",
    "--progress",
    "none",
    "--out",
    dir,
  ]);
  // The unsized model has no server: its cells fail (and are errors, retried on resume), the builtin's run.
  assert.equal(run.code, 0, run.stderr);
  const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as EvalResults;
  const parameters = builtinManifest().models.find((m) => m.name === "tiny-reasoner")!.parameters;
  const builtin = results.cells.filter((c) => c.policy === "builtin:tiny-reasoner");
  assert.deepEqual(
    builtin.map((c) => c.budget),
    [
      { option: "samples", value: 1 },
      { option: "samples", value: 2 },
    ],
  );
  for (const cell of builtin) {
    assert.equal(cell.compute?.roles.policy?.parameters, parameters);
    // Every call is the policy's: FLOPs = 2 × parameters × tokens per problem.
    assert.ok(cell.summary.tokensPerItem > 0);
    assert.ok(Math.abs(cell.compute!.flopsPerProblem! - 2 * parameters * cell.summary.tokensPerItem) < 1e-6);
    assert.match(
      run.stdout,
      new RegExp(`${cell.strategy}\\{"maxTokens":40,"samples":${cell.budget?.value}\\}.*FLOPs/problem=\\d`),
    );
  }
  assert.equal(
    results.computeCurves?.[0].points.filter((p) => p.family === 'self-consistency{"maxTokens":40}').length,
    4,
  );
  const report = await runCli(["report", dir]);
  assert.equal(report.code, 0, report.stderr);
  const html = readFileSync(join(dir, "report.html"), "utf8");
  assert.match(html, /<svg class="chart"[^>]*data-chart="compute-synthetic:sums/);
  assert.ok(existsSync(join(dir, "report.md")));
  assert.match(readFileSync(join(dir, "report.md"), "utf8"), /## Accuracy vs compute/);
});

test("deliberate eval refuses a sweep with a bad budget and a malformed --parameters, naming the value", async () => {
  const sweep = await runCli([
    "eval",
    "-m",
    "builtin:tiny-reasoner",
    "-s",
    "self-consistency?samples=4,lots",
    "-d",
    "synthetic:sums?n=1",
    "--out",
    out(),
  ]);
  assert.notEqual(sweep.code, 0);
  assert.match(sweep.stderr, /`lots` in the budgets of `samples`/);
  const parameters = await runCli([
    "eval",
    "-m",
    "x.gguf",
    "-d",
    "synthetic:sums?n=1",
    "--parameters",
    "x.gguf=big",
  ]);
  assert.notEqual(parameters.code, 0);
  assert.match(parameters.stderr, /the count `big` of x\.gguf is not a positive number/);
  const stray = await runCli([
    "eval",
    "-m",
    "builtin:tiny-reasoner",
    "-d",
    "synthetic:sums?n=1",
    "--parameters",
    "builtin:tiny-reasonr=5",
    "--out",
    out(),
  ]);
  assert.notEqual(stray.code, 0);
  assert.match(stray.stderr, /`builtin:tiny-reasonr`, which is none of the plan's models/);
});
