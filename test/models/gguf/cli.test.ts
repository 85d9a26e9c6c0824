import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { validateGgufFile } from "../../../src/models/gguf/validate-gguf-file.ts";
import { brokenGgufPath } from "../../helpers/broken-gguf.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-gguf-cli-"));
after(() => rm(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function deliberate(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/deliberate.js", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test("`dev tiny-model` writes a valid model that `models inspect --json` describes", async () => {
  const path = join(dir, "cli.gguf");
  const written = await deliberate(
    "dev",
    "tiny-model",
    "--out",
    path,
    "--layers",
    "1",
    "--embd",
    "32",
    "--seed",
    "9",
    "--json",
  );
  assert.equal(written.code, 0, written.stderr);
  const summary = JSON.parse(written.stdout);
  assert.equal(summary.options.layers, 1);
  assert.equal(summary.options.embd, 32);
  await validateGgufFile(path);

  const inspected = await deliberate("models", "inspect", path, "--json");
  assert.equal(inspected.code, 0, inspected.stderr);
  const inspection = JSON.parse(inspected.stdout);
  assert.equal(inspection.architecture, "llama");
  assert.equal(inspection.layers, 1);
  assert.equal(inspection.embeddingLength, 32);
  assert.equal(inspection.parameters, summary.parameters);
  assert.equal(inspection.vocabSize, 356);
  assert.equal(inspection.tokenizerModel, "llama");
  assert.equal(inspection.hasChatTemplate, true);
  assert.deepEqual(inspection.validation, { ok: true });
});

test("`models inspect` exits 3 on a broken or missing file, and `dev tiny-model` 2 on bad options", async () => {
  const broken = await brokenGgufPath("duplicate-token");
  const [invalid, missing, bad] = await Promise.all([
    deliberate("models", "inspect", broken),
    deliberate("models", "inspect", join(dir, "missing.gguf")),
    deliberate("dev", "tiny-model", "--out", join(dir, "bad.gguf"), "--embd", "64", "--heads", "5"),
  ]);
  assert.equal(invalid.code, 3);
  assert.match(invalid.stdout, /validation\s+FAILED: .*duplicate token/);
  assert.match(invalid.stderr, /deliberate: .*duplicate-token\.gguf: broken vocabulary: duplicate token "b"/);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /model file not found: .*missing\.gguf/);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /`heads`/);
});
