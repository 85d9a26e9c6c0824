import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, ["bin/deliberate.js", "grade", ...args], {
    encoding: "utf8",
    input,
    timeout: 120_000,
  });

const lines = [
  JSON.stringify({ id: "a", gold: "\\frac{1}{2}", pred: "so \\boxed{0.5}" }),
  "{not json",
  JSON.stringify({ id: "b", gold: 5, pred: "#### 6" }),
  "",
  JSON.stringify({ id: "c", gold: "50\\%", pred: "The answer is 0.5." }),
  JSON.stringify({ id: "d", gold: "B", pred: "Answer: (B)", kind: "choice" }),
  JSON.stringify({ id: "e", gold: "5" }),
  JSON.stringify({ id: "f", gold: "5", pred: null }),
];

test("grade --jsonl streams verdicts in input order and reports malformed lines by number", () => {
  const dir = mkdtempSync(join(tmpdir(), "grade-cli-"));
  try {
    const file = join(dir, "in.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const run = cli(["--jsonl", file]);
    assert.equal(run.status, 0, run.stderr);
    const out = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(out.length, 7);
    assert.deepEqual(
      out.map((o) => o.id ?? o.line),
      ["a", 2, "b", "c", "d", 7, "f"],
    );
    assert.deepEqual(
      out.map((o) => o.verdict),
      [true, undefined, false, true, true, undefined, false],
    );
    assert.equal(out[6].status, "unparseable");
    assert.equal(out[0].extracted, "0.5");
    assert.equal(out[0].gold, "\\frac{1}{2}");
    assert.match(out[1].error, /^line 2: not valid JSON/);
    assert.match(out[5].error, /^line 7: `pred`/);
    // --percent-as-fraction off: 50% is 50.
    const plain = cli(["--jsonl", "-", "--no-percent-as-fraction"], `${lines[4]}\n`);
    assert.equal(JSON.parse(plain.stdout).verdict, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("grade --gold --pred prints the verdict and the extracted answer", () => {
  const run = cli(["--gold", "\\frac12", "--pred", "The final answer is $0.5$. I hope it is correct."]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^correct\nextracted: 0\.5\n/);
  const json = cli(["--gold", "3", "--pred", "x = 4", "--json"]);
  assert.equal(JSON.parse(json.stdout).verdict, "incorrect");
  assert.equal(cli(["--gold", "3"]).status, 2);
});

test("grade --gold --pred answers a pathological output in a worker, under --timeout-ms", () => {
  const deep = `\\boxed{${"\\frac{".repeat(10_000)}1${"}{2}".repeat(10_000)}}`;
  const run = cli(["--gold", "5", "--pred", deep, "--json", "--timeout-ms", "5000"]);
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.ok(["incorrect", "timeout"].includes(result.verdict), result.verdict);
  assert.equal(result.correct, false);
});
