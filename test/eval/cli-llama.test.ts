import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tinyModelPath } from "../helpers/tiny-model.ts";

const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");

function deliberate(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", main, ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("deliberate eval on a synthetic set through real llama.cpp, then resume and report", async () => {
  const model = await tinyModelPath();
  const out = join(mkdtempSync(join(tmpdir(), "deliberate-cli-eval-")), "run");
  const args = [
    "eval",
    "--model",
    model,
    "--strategy",
    "cot?maxTokens=8&temperature=0",
    "--dataset",
    "synthetic:arithmetic?difficulty=1&n=3",
    "--seeds",
    "2",
    "--threads",
    "1",
    "--concurrency",
    "1",
    "--grader",
    "sync",
    "--progress",
    "lines",
    "--out",
    out,
  ];
  const first = deliberate(args);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /6 solved, 0 reused/);
  assert.match(first.stderr, /eval 6\/6/);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  assert.equal(results.overall.n + results.overall.errors, 6);
  assert.equal(results.overall.errors, 0, "a random-weight model answers badly, but nothing fails");
  assert.ok(results.overall.completionTokens > 0 && results.overall.completionTokens <= 6 * 8);
  assert.equal(results.cells[0].strategyOptions.maxTokens, 8);

  const again = deliberate(args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /0 solved, 6 reused/);
  assert.equal(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).accuracy, results.accuracy);

  const report = deliberate(["report", out]);
  assert.equal(report.status, 0, report.stderr);
  assert.ok(existsSync(join(out, "report.html")) && existsSync(join(out, "report.md")));
});

test("deliberate eval FILE.yaml: errors name the file and line; bad flags exit 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "deliberate-cli-yaml-"));
  const file = join(dir, "eval.yaml");
  writeFileSync(file, "models: [a.gguf]\ndatasets: [synthetic:linear]\nseeds: 0\n");
  const bad = deliberate(["eval", file]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /eval\.yaml:3: `seeds`/);
  const unknown = deliberate([
    "eval",
    "--model",
    "x.gguf",
    "--dataset",
    "synthetic:linear",
    "--strategy",
    "nope",
  ]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown strategy `nope`/);
  const missing = deliberate([
    "eval",
    "--model",
    "x.gguf",
    "--dataset",
    "missing.jsonl",
    "--out",
    join(dir, "r"),
  ]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read dataset missing\.jsonl/);
});

test("deliberate eval --large on two tiny GGUFs: a cascade cell with the large model's usage, compared with it alone", async () => {
  const small = await tinyModelPath({ seed: 11 });
  const large = await tinyModelPath({ seed: 12 });
  assert.notEqual(small, large);
  const out = join(mkdtempSync(join(tmpdir(), "deliberate-cli-large-")), "run");
  const args = [
    "eval",
    "--model",
    small,
    "--model",
    large,
    "--large",
    large,
    "--strategy",
    "cascade?samples=2&maxTokens=6",
    "--strategy",
    "cot?maxTokens=6&temperature=0",
    "--dataset",
    "synthetic:arithmetic?difficulty=1&n=2",
    "--threads",
    "1",
    "--concurrency",
    "1",
    "--grader",
    "sync",
    "--progress",
    "none",
    "--out",
    out,
  ];
  const first = deliberate(args);
  assert.equal(first.status, 0, first.stderr);
  // small (large L) × {cascade, cot} and L × cot; no cascade cell for L alone.
  assert.match(first.stdout, /6 solved, 0 reused/);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  const cells = results.cells.map((c: { policy: string; large?: string; strategy: string }) => [
    c.policy,
    c.large ?? null,
    c.strategy,
  ]);
  assert.deepEqual(cells, [
    [small, large, "cascade"],
    [small, large, "cot"],
    [large, null, "cot"],
  ]);
  const cascade = results.cells[0];
  const s = cascade.summary;
  assert.equal(s.errors, 0);
  assert.equal(s.cascade.questions, 2);
  // One greedy large sample per escalation, and the large model's tokens only when it escalated.
  assert.equal(s.usage.large?.calls ?? 0, s.cascade.escalated);
  assert.equal(s.usage.policy.calls, 2);
  const total = Object.values(
    s.usage as Record<string, { promptTokens: number; completionTokens: number }>,
  ).reduce((sum, u) => sum + u.promptTokens + u.completionTokens, 0);
  assert.equal(total, s.promptTokens + s.completionTokens);
  assert.equal(cascade.vsLarge.cell, results.cells[2].cell);
  assert.match(first.stdout, /cascade.*escalated \d+\.\d%.*alone/);

  const again = deliberate(args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /0 solved, 6 reused/);
  assert.deepEqual(
    JSON.parse(readFileSync(join(out, "results.json"), "utf8")).cells[0].summary.usage,
    s.usage,
  );

  const report = deliberate(["report", out]);
  assert.equal(report.status, 0, report.stderr);
  const markdown = readFileSync(join(out, "report.md"), "utf8");
  // No prices, so no cost columns (they would be all zeros).
  assert.match(markdown, /\| large tokens\/item \| escalated \| vs large alone \|/);
  const shown = `${(100 * s.cascade.escalationShare).toFixed(1)}%`;
  assert.ok(markdown.split("\n").some((line) => line.includes("cascade") && line.includes(` ${shown} `)));
});
