/**
 * A typo in a strategy option on the command line is an error with "did you mean", as dataset options
 * are, before any model loads: `solve -o sample=4` and `eval -s self-consistency?sample=4`.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.ts";

// Nothing listens here: the commands must fail on the options before they connect to a model.
const MODEL = "openai:m@http://127.0.0.1:9/v1";

test("solve -o sample=4 is an error naming `samples`", async () => {
  const { code, stderr } = await runCli([
    "solve",
    "-m",
    MODEL,
    "-s",
    "self-consistency",
    "-o",
    "sample=4",
    "2+2?",
  ]);
  assert.equal(code, 2, stderr);
  assert.match(stderr, /strategy `self-consistency`: unknown option `sample`; did you mean `samples`\?/);
});

test("solve with a mistyped nested option or strategy name says what was meant", async () => {
  const nested = await runCli([
    "solve",
    "-m",
    MODEL,
    "-s",
    "self-consistency",
    "-o",
    'stopping={"rule":"esc","windw":2}',
    "2+2?",
  ]);
  assert.equal(nested.code, 2, nested.stderr);
  assert.match(nested.stderr, /option `stopping`: unknown key `windw`; did you mean `window`\?/);
  const strategy = await runCli(["solve", "-m", MODEL, "-s", "self-consistensy", "2+2?"]);
  assert.equal(strategy.code, 2, strategy.stderr);
  assert.match(strategy.stderr, /unknown strategy `self-consistensy`; did you mean `self-consistency`\?/);
});

test("eval -s 'self-consistency?sample=4' is an error naming `samples`, as a dataset option typo is", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "deliberate-typo-")), "run");
  const strategy = await runCli([
    "eval",
    "-m",
    MODEL,
    "-s",
    "self-consistency?sample=4",
    "-d",
    "synthetic:sums?difficulty=1&n=2",
    "-o",
    out,
  ]);
  assert.equal(strategy.code, 2, strategy.stderr);
  assert.match(
    strategy.stderr,
    /strategy `self-consistency`: unknown option `sample`; did you mean `samples`\?/,
  );
  const dataset = await runCli(["eval", "-m", MODEL, "-d", "synthetic:sums?dificulty=1", "-o", out]);
  assert.equal(dataset.code, 2, dataset.stderr);
  assert.match(dataset.stderr, /unknown synthetic option `dificulty`.*did you mean `difficulty`\?/);
});
