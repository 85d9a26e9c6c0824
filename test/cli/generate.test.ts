/** `deliberate generate` and `deliberate models` as a user runs them: real processes, real llama.cpp. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Completion } from "../../src/models/types.ts";
import { brokenGgufPath } from "../helpers/broken-gguf.ts";
import { runCli } from "../helpers/cli.ts";
import { tinyModelPath } from "../helpers/tiny-model.ts";

test("generate --json: n completions with token counts, finish reasons, logprobs and timings", async () => {
  const model = await tinyModelPath();
  const args = ["generate", "-m", model, "--n", "2", "--seed", "7", "--max-tokens", "6", "--logprobs", "3"];
  const run = await runCli([...args, "--threads", "1", "--json", "Hello"]);
  assert.equal(run.code, 0, run.stderr);
  const { backend, completions } = JSON.parse(run.stdout) as { backend: string; completions: Completion[] };
  assert.match(backend, /^llama:/);
  assert.equal(completions.length, 2);
  for (const completion of completions) {
    assert.equal(completion.finishReason, "length");
    assert.equal(completion.usage.completionTokens, 6);
    assert.ok(completion.usage.promptTokens > 0);
    assert.equal(completion.logprobs?.length, 6);
    assert.ok(completion.logprobs!.every((t) => t.logprob <= 0 && (t.top?.length ?? 0) === 3));
    assert.ok(completion.timings.totalMs > 0);
  }
  // The same seed reproduces the same text.
  const again = JSON.parse((await runCli([...args, "--threads", "1", "--json", "Hello"])).stdout) as {
    completions: Completion[];
  };
  assert.deepEqual(
    again.completions.map((c) => c.text),
    completions.map((c) => c.text),
  );
});

test("generate: bad input exits non-zero with a message naming the problem", async () => {
  const model = await tinyModelPath();
  const cases: Array<[string[], number, RegExp]> = [
    [["generate", "-m", "/nonexistent/model.gguf", "x"], 3, /no model file at \/nonexistent\/model\.gguf/],
    [["generate", "-m", await brokenGgufPath("duplicate-token"), "x"], 3, /duplicate/i],
    [["generate", "-m", await brokenGgufPath("truncated-data"), "x"], 3, /past the end|truncated/i],
    [["generate", "-m", model, "--n", "0", "x"], 2, /--n.*expected an integer >= 1/],
    [["generate", "-m", model, "--temperature", "-1", "x"], 2, /temperature/],
    [["generate", "-m", model, "--max-tokens", "0", "x"], 2, /max-tokens/],
    [["generate", "-m", "openai:m@http://127.0.0.1:9/v1", "x"], 4, /127\.0\.0\.1:9/],
    [["generate", "-m", "no-such-model", "x"], 3, /unknown model `no-such-model`/],
  ];
  for (const [args, code, message] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, code, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});

test("models lists configured models and the download cache", async () => {
  const dir = mkdtempSync(join(tmpdir(), "deliberate-models-"));
  writeFileSync(
    join(dir, "deliberate.config.yaml"),
    "models:\n  small:\n    gguf: ./s.gguf\n  big:\n    openai:\n      model: q\n      baseURL: http://127.0.0.1:8000/v1\n",
  );
  const run = await runCli(["models", "--json"], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const listing = JSON.parse(run.stdout);
  assert.deepEqual(
    listing.configured.map((m: { name: string; kind: string }) => `${m.name}:${m.kind}`),
    ["small:gguf", "big:openai"],
  );
  assert.ok(Array.isArray(listing.cached));
  const broken = await runCli(["models"], { cwd: mkdtempSync(join(tmpdir(), "deliberate-models-")) });
  assert.equal(broken.code, 0);
  writeFileSync(join(dir, "deliberate.config.yaml"), "models:\n  small:\n    ggfu: x\n");
  const invalid = await runCli(["models"], { cwd: dir });
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /deliberate\.config\.yaml:3/);
});
