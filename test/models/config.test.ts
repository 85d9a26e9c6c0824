import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { loadConfig, parseConfig } from "../../src/models/config.ts";

function configError(text: string): DeliberateError {
  try {
    parseConfig(text, "deliberate.config.yaml");
  } catch (error) {
    assert.ok(DeliberateError.isInstance(error));
    assert.equal(error.code, "CONFIG");
    return error;
  }
  assert.fail("expected a CONFIG error");
}

test("a valid config parses gguf models, endpoint pools and prices", () => {
  const config = parseConfig(`
models:
  small:
    gguf: ./small.gguf
    threads: 2
  large:
    openai:
      model: qwen-32b
      baseURLs: [http://127.0.0.1:8001/v1, http://127.0.0.1:8002/v1]
    price: { prompt: 0.2, completion: 0.6 }
defaults:
  strategy: self-consistency
`);
  assert.deepEqual(Object.keys(config.models), ["small", "large"]);
  const large = config.models.large!;
  assert.ok("openai" in large);
  assert.equal(large.openai.baseURLs?.length, 2);
  assert.equal(large.price?.completion, 0.6);
  assert.equal(config.defaults.strategy, "self-consistency");
});

test("a schema error names the offending path and its line", () => {
  const error = configError(`models:
  small:
    gguf: ./small.gguf
    threads: -1
`);
  assert.match(error.message, /deliberate\.config\.yaml:4/);
  assert.match(error.message, /`models\.small\.threads`/);
});

test("an unknown key is rejected rather than silently ignored", () => {
  const error = configError(`models:
  small:
    gguf: ./small.gguf
    thread: 2
`);
  assert.match(error.message, /deliberate\.config\.yaml:4/);
  assert.match(error.message, /Unrecognized key: "thread"/);
});

test("an openai model without a base URL is rejected", () => {
  const error = configError(`models:
  big:
    openai:
      model: x
`);
  assert.match(error.message, /baseURL/);
});

test("a YAML syntax error reports line and column", () => {
  const error = configError("models:\n  small: [unclosed\n");
  assert.match(error.message, /deliberate\.config\.yaml:\d+:\d+/);
});

test("loadConfig: a missing explicit file is an error, a missing default file is an empty config", () => {
  const dir = mkdtempSync(join(tmpdir(), "deliberate-config-"));
  assert.throws(() => loadConfig(join(dir, "nope.yaml")), /config file not found/);
  const file = join(dir, "c.yaml");
  writeFileSync(file, "models:\n  m:\n    gguf: a.gguf\n");
  assert.deepEqual(Object.keys(loadConfig(file).models), ["m"]);
});
