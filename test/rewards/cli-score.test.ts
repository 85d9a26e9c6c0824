import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { runCli } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "rewards-score-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("rewards score --jsonl: one result line per input line, a bad line an error line, a summary on stderr", async () => {
  const file = join(dir, "batch.jsonl");
  writeFileSync(
    file,
    [
      JSON.stringify({ id: "p1-s1", completion: "<think>2+2</think> \\boxed{4}", ground_truth: "4" }),
      JSON.stringify({ id: "p1-s2", completion: "<think>2+2 \\boxed{4}", ground_truth: "4" }),
      "{oops",
      JSON.stringify({ id: "p2-s1", output: "\\boxed{4}", gold: "" }),
      JSON.stringify({
        id: "p3-s1",
        output: "```python\nimport os\nos.system('true')\n```",
        kind: "code",
        tests: { language: "python", code: "assert True" },
      }),
    ].join("\n"),
  );
  const run = await runCli([
    "rewards",
    "score",
    "--jsonl",
    file,
    "--timeout-ms",
    "20000",
    "--fallback=-1",
    "--format-weight",
    "0.5",
    "--workers",
    "1",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const rows = run.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    rows.map((r) => [r.line, r.id, r.verdict, r.reward]),
    [
      [1, "p1-s1", "correct", 1.5],
      [2, "p1-s2", "unparseable", 0],
      [3, undefined, undefined, undefined],
      [4, "p2-s1", "bad-gold", -1],
      [5, "p3-s1", "error", 0],
    ],
  );
  assert.match(rows[2].error, /^line 3: not valid JSON/);
  assert.deepEqual(rows[0].components, { correctness: 1, format: 1 });
  assert.match(
    run.stderr,
    /deliberate: 5 lines: 3 scored \(1 correct, mean reward 0\.500\), 1 bad gold, 0 unscored, 1 malformed/,
  );
});

test("rewards score: a missing file or a bad flag exits 2 with a message", async () => {
  const missing = await runCli(["rewards", "score", "--jsonl", join(dir, "nope.jsonl")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read `.*nope\.jsonl`: ENOENT/);
  const bad = await runCli(["rewards", "score", "--jsonl", "-", "--format-weight", "-1"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format-weight/);
});
