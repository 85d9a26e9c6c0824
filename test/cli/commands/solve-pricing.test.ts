/**
 * `deliberate solve` prices usage by the backend that served it: a configured GGUF model with a
 * `price` gets a cost (review defect 3: ids `llama:<file>` never matched the spec string `tiny`).
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../../helpers/cli.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";

test("a configured GGUF model's price gives its usage a cost in solve --json and the summary", async () => {
  const dir = mkdtempSync(join(tmpdir(), "deliberate-price-"));
  const config = join(dir, "deliberate.config.yaml");
  const price = { prompt: 2, completion: 4 };
  writeFileSync(
    config,
    `models:\n  tiny:\n    gguf: ${JSON.stringify(await tinyModelPath())}\n    price: { prompt: ${price.prompt}, completion: ${price.completion} }\n`,
  );
  const args = [
    "solve",
    "-m",
    "tiny",
    "--config",
    config,
    "-s",
    "cot",
    "-o",
    "maxTokens=8",
    "--threads",
    "1",
  ];
  const json = await runCli([...args, "--json", "What is 2 + 2?"]);
  assert.equal(json.code, 0, json.stderr);
  const usage = Object.entries(
    JSON.parse(json.stdout).solution.usage as Record<
      string,
      { promptTokens: number; completionTokens: number; cost?: number }
    >,
  );
  assert.equal(usage.length, 1);
  const [id, entry] = usage[0];
  assert.match(id, /^llama:/);
  const expected = (entry.promptTokens * price.prompt + entry.completionTokens * price.completion) / 1e6;
  assert.ok(expected > 0);
  assert.ok(Math.abs((entry.cost ?? 0) - expected) < 1e-12, `cost ${entry.cost}, expected ${expected}`);

  const text = await runCli([...args, "What is 2 + 2?"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^cost: \d+\.\d{6}$/m);
});
