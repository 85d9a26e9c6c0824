import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import * as deliberate from "../../src/index.ts";
import { runCli } from "../helpers/cli.ts";

const out = () => mkdtempSync(join(tmpdir(), "deliberate-distill-opts-"));
const base = {
  teachers: ["scripted"],
  dataset: "synthetic:sums?n=2",
  grader: "sync" as const,
  progress: "none" as const,
};

async function rejects(options: Record<string, unknown>, pattern: RegExp, param?: string): Promise<void> {
  await assert.rejects(
    deliberate.distill({ ...base, out: out(), ...options } as deliberate.DistillOptions),
    (error) => {
      assert.ok(DeliberateError.isInstance(error), String(error));
      assert.equal(error.code, "BAD_REQUEST");
      assert.match(error.message, pattern);
      if (param) assert.equal(error.param, param);
      return true;
    },
  );
}

test("distill is part of the public surface", () => {
  assert.equal(typeof deliberate.distill, "function");
});

test("bad options are BAD_REQUEST errors naming the option, before any model is loaded", async () => {
  await rejects({ teachers: [] }, /`teachers`/, "teachers");
  await rejects({ teachers: ["a", "a"] }, /each teacher may be named once/, "teachers");
  await rejects({ dedupeThreshold: 0 }, /`dedupeThreshold`/, "dedupeThreshold");
  await rejects({ mixLong: 1.5 }, /`mixLong`/, "mixLong");
  await rejects({ samples: 0 }, /`samples`/, "samples");
  await rejects({ dedupe: 0.8 }, /unknown key `dedupe`; did you mean `dedupeThreshold`\?/);
  await rejects({ dataset: "synthetic:nope" }, /nope/);
});

test("the CLI: a missing --teacher or a bad number is a usage error (exit 2)", async () => {
  const missing = await runCli(["distill", "--dataset", "synthetic:sums", "--out", out()]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--teacher/);
  const bad = await runCli([
    "distill",
    "-t",
    "builtin:tiny-reasoner",
    "-d",
    "synthetic:sums",
    "-o",
    out(),
    "--dedupe-threshold",
    "2",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected a number in \[0, 1\]/);
});
