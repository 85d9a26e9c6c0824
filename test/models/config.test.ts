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
  assert.match(error.message, /`models\.small`: unknown key `thread`; did you mean `threads`\?/);
});

test("builtin models in the config: a spec string or `gguf: builtin:NAME`, raw prompts by themselves", () => {
  const config = parseConfig(`models:
  tiny: builtin:tiny-reasoner
  large:
    gguf: builtin:tiny-reasoner-large
    threads: 1
    contextSize: 128
  mine: raw:runs/sft/model.gguf
  qwen: hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M
  remote: openai:qwen@http://127.0.0.1:8000/v1
`);
  assert.deepEqual(config.models, {
    tiny: { gguf: "builtin:tiny-reasoner" },
    large: { gguf: "builtin:tiny-reasoner-large", threads: 1, contextSize: 128 },
    mine: { gguf: "runs/sft/model.gguf", rawPrompt: true },
    qwen: { gguf: "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M" },
    remote: { openai: { model: "qwen", baseURL: "http://127.0.0.1:8000/v1" } },
  });
});

test("model entry errors say what is wrong, on the entry's line", () => {
  const cases: Array<[yaml: string, message: RegExp]> = [
    [
      "models:\n  small:\n    gguf: a.gguf\n  tiny: builtin:tiny-reasonr\n",
      /:4: `models\.tiny`: unknown builtin model `tiny-reasonr`; did you mean `tiny-reasoner`\? builtin models: tiny-reasoner, /,
    ],
    [
      "models:\n  large:\n    threads: 1\n    gguf: builtin:tiny-reasoner-larg\n",
      /:4: `models\.large\.gguf`: unknown builtin model `tiny-reasoner-larg`; did you mean `tiny-reasoner-large`\?/,
    ],
    [
      "models:\n  tiny: builtin:nothing-like-it\n",
      /:2: .*unknown builtin model `nothing-like-it`; builtin models: /,
    ],
    ["models:\n  mine:\n    ggfu: x.gguf\n", /:3: `models\.mine`: unknown key `ggfu`; did you mean `gguf`\?/],
    [
      "models:\n  mine:\n    gguf: x.gguf\n    rawprompt: true\n",
      /:4: .*unknown key `rawprompt`; did you mean `rawPrompt`\?/,
    ],
    [
      "models:\n  mine:\n    gguf: x.gguf\n    rawPrompt: yes please\n",
      /:4: `models\.mine\.rawPrompt`: .*boolean/,
    ],
    [
      "models:\n  mine:\n    threads: 2\n",
      /:3: `models\.mine`: needs `gguf` \(a \.gguf path, hf:org\/repo:QUANT or builtin:NAME\) or `openai`/,
    ],
    ["models:\n  mine:\n    gguf: x.gguf\n    contextSize: 8\n", /:4: `models\.mine\.contextSize`: .*>=16/],
    [
      "models:\n  mine: x.bin\n",
      /:2: `models\.mine`: `x\.bin` is not a model spec: write a \.gguf path, builtin:NAME/,
    ],
    ["models:\n  mine: openai:qwen\n", /:2: `models\.mine`: .*openai:MODEL@BASE_URL/],
    ["models:\n  mine: 12\n", /:2: `models\.mine`: a model is one spec string/],
  ];
  for (const [yaml, message] of cases) assert.match(configError(yaml).message, message, yaml);
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
