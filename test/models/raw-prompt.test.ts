/**
 * One raw-prompt setting for models trained without a chat template: a `raw:` prefix on the spec, a
 * configured model's `rawPrompt: true`, or a builtin model, in the config or on the command line. On
 * real llama.cpp (a tiny random-weight GGUF): a chat request reaches the model as `question + "\n"`.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { builtinModelPath } from "../../src/models/builtin.ts";
import { parseConfig } from "../../src/models/config.ts";
import { ModelRegistry } from "../../src/models/registry.ts";
import type { GenerateRequest } from "../../src/models/types.ts";
import { tinyModelPath } from "../helpers/tiny-model.ts";

const path = await tinyModelPath();
const config = parseConfig(`models:
  mine:
    gguf: ${JSON.stringify(path)}
    rawPrompt: true
    contextSize: 96
  tiny: builtin:tiny-reasoner
`);
const registry = new ModelRegistry({ config, threads: 1 });
after(() => registry.close());

const QUESTION = "Compute 1+2.";
const sampling: GenerateRequest = { temperature: 0.8, seed: 5, maxTokens: 8 };

test("raw:PATH and a configured rawPrompt model send a chat request as question + newline", async () => {
  const plain = await registry.get(path);
  const [asRaw] = await plain.generate({ prompt: `${QUESTION}\n`, ...sampling });
  const [asChat] = await plain.generate({ messages: [{ role: "user", content: QUESTION }], ...sampling });
  // The chat template wraps the question in ChatML markers: more prompt tokens.
  assert.ok(asChat!.usage.promptTokens > asRaw!.usage.promptTokens);
  for (const spec of [`raw:${path}`, "mine", "raw:mine"]) {
    const backend = await registry.get(spec);
    assert.match(backend.id, /#raw$/, spec);
    assert.equal(backend.capabilities.chatTemplate, false, spec);
    const [completion] = await backend.generate({
      messages: [
        { role: "system", content: "Solve step by step." },
        { role: "user", content: QUESTION },
      ],
      ...sampling,
    });
    assert.equal(completion!.usage.promptTokens, asRaw!.usage.promptTokens, spec);
    // The same prompt and seed: the same sample as the raw prompt sent by hand.
    assert.equal(completion!.text, asRaw!.text, spec);
  }
});

test("a builtin model named in the config loads the committed file with raw prompts", async () => {
  const backend = await registry.get("tiny");
  assert.equal(backend.id, "llama:tiny-reasoner.gguf#raw");
  assert.equal(backend.capabilities.chatTemplate, false);
  assert.ok(builtinModelPath("tiny-reasoner").endsWith("tiny-reasoner.gguf"));
});

test("contextSize: the registry's (the --context-size flag) overrides the config's", async () => {
  assert.equal((await registry.get("mine")).capabilities.contextSize, 96);
  const flagged = new ModelRegistry({ config, threads: 1, contextSize: 48 });
  try {
    assert.equal((await flagged.get("mine")).capabilities.contextSize, 48);
    assert.equal((await flagged.get(path)).capabilities.contextSize, 48);
    await assert.rejects(
      (await flagged.get(path)).generate({ prompt: "x".repeat(200), maxTokens: 4 }),
      /holds 48/,
    );
  } finally {
    await flagged.close();
  }
});
