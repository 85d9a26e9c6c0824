import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../src/models/config.ts";
import { parseModelSpec } from "../../src/models/model-spec.ts";

const config = parseConfig("models:\n  small:\n    gguf: ./s.gguf\n");

test("model specs: configured name, gguf path, hf URI, openai endpoint", () => {
  assert.equal(parseModelSpec("small", config).kind, "configured");
  assert.deepEqual(parseModelSpec("./models/tiny.gguf"), {
    kind: "gguf",
    name: "tiny",
    path: "./models/tiny.gguf",
    rawPrompt: false,
  });
  assert.deepEqual(parseModelSpec("hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M"), {
    kind: "hf",
    name: "Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M",
    uri: "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M",
    rawPrompt: false,
  });
  assert.deepEqual(parseModelSpec("openai:qwen@http://127.0.0.1:8000/v1"), {
    kind: "openai",
    name: "qwen",
    model: "qwen",
    baseURL: "http://127.0.0.1:8000/v1",
    rawPrompt: false,
  });
});

test("raw prompts: a raw: prefix on any spec, a configured model's rawPrompt, builtin models by themselves", () => {
  const withRaw = parseConfig(`models:
  small:
    gguf: ./s.gguf
  mine:
    gguf: runs/sft/model.gguf
    rawPrompt: true
  tiny: builtin:tiny-reasoner
  chatty:
    gguf: builtin:tiny-reasoner
    rawPrompt: false
`);
  const cases: Array<[spec: string, kind: string, rawPrompt: boolean]> = [
    ["raw:runs/sft/model.gguf", "gguf", true],
    [" raw: runs/sft/model.gguf ", "gguf", true],
    ["runs/sft/model.gguf", "gguf", false],
    ["raw:hf:org/repo:Q4_K_M", "hf", true],
    ["raw:openai:base@http://127.0.0.1:8000/v1", "openai", true],
    ["builtin:tiny-reasoner", "builtin", true],
    ["raw:builtin:tiny-reasoner", "builtin", true],
    ["small", "configured", false],
    ["raw:small", "configured", true],
    ["mine", "configured", true],
    ["tiny", "configured", true],
    ["chatty", "configured", false],
  ];
  for (const [text, kind, rawPrompt] of cases) {
    const spec = parseModelSpec(text, withRaw);
    assert.equal(spec.kind, kind, text);
    assert.equal(spec.rawPrompt, rawPrompt, text);
  }
  assert.equal(parseModelSpec("raw:runs/sft/model.gguf").name, "model");
  assert.throws(() => parseModelSpec("raw:"), /empty/);
});

test("bad model specs get errors that say what is wrong", () => {
  assert.throws(() => parseModelSpec("openai:qwen"), /openai:MODEL@BASE_URL/);
  assert.throws(() => parseModelSpec("openai:qwen@ftp://x"), /openai:MODEL@BASE_URL/);
  assert.throws(() => parseModelSpec("hf:no-slash"), /hf:org\/repo:QUANT/);
  assert.throws(
    () => parseModelSpec("gpt-9", config),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, "MODEL_NOT_FOUND");
      assert.match(error.message, /unknown model `gpt-9`.*raw: prefix.*Configured models: small/);
      return true;
    },
  );
  assert.throws(() => parseModelSpec("  "), /empty/);
});
