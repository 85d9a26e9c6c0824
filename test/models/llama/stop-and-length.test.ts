import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LlamaBackend } from "../../../src/models/llama/index.ts";
import { openTinyBackend, PROMPT } from "./llama-fixture.ts";

let backend: LlamaBackend;
before(async () => {
  backend = await openTinyBackend();
});
after(() => backend.close());

const greedy = { prompt: PROMPT, temperature: 0, seed: 1 };

test("maxTokens ends the completion with `length` after exactly that many tokens", async () => {
  for (const maxTokens of [1, 7]) {
    const [completion] = await backend.generate({ ...greedy, maxTokens, logprobs: 0 });
    assert.equal(completion.finishReason, "length");
    assert.equal(completion.rawFinishReason, "max_tokens");
    assert.equal(completion.usage.completionTokens, maxTokens);
    assert.equal(completion.logprobs?.length, maxTokens);
  }
});

test("a stop string ends the completion with `stop`, the stop text left out", async () => {
  const [full] = await backend.generate({ ...greedy, maxTokens: 30 });
  // A two-character piece from the middle of the greedy text: greedy decoding reaches it again.
  const stop = full.text.slice(10, 12);
  const [stopped] = await backend.generate({ ...greedy, maxTokens: 30, stop: [stop], logprobs: 0 });
  assert.equal(stopped.finishReason, "stop");
  assert.equal(stopped.rawFinishReason, "stop_string");
  assert.equal(stopped.text, full.text.slice(0, full.text.indexOf(stop)));
  assert.ok(!stopped.text.includes(stop));
  assert.ok(stopped.usage.completionTokens < 30);
  assert.equal(stopped.logprobs!.map((entry) => entry.token).join(""), stopped.text);
});

test("the earliest of several stop strings wins", async () => {
  const [full] = await backend.generate({ ...greedy, maxTokens: 30 });
  const early = full.text.slice(4, 6);
  const late = full.text.slice(15, 17);
  const [stopped] = await backend.generate({ ...greedy, maxTokens: 30, stop: [late, early] });
  assert.equal(stopped.text, full.text.slice(0, Math.min(full.text.indexOf(early), full.text.indexOf(late))));
});

test("a completion that fills the context ends with `length` (context_full)", async () => {
  const small = await openTinyBackend({ contextSize: 32 });
  try {
    const [completion] = await small.generate({ ...greedy, maxTokens: 1000 });
    assert.equal(completion.finishReason, "length");
    assert.equal(completion.rawFinishReason, "context_full");
    assert.ok(completion.usage.promptTokens + completion.usage.completionTokens <= 256 + 32);
  } finally {
    await small.close();
  }
});
