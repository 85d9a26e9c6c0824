import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LlamaBackend } from "../../../src/models/llama/index.ts";
import type { TokenLogprob } from "../../../src/models/types.ts";
import { openTinyBackend, PROMPT } from "./llama-fixture.ts";

let backend: LlamaBackend;
before(async () => {
  backend = await openTinyBackend();
});
after(() => backend.close());

function assertWellFormed(logprobs: TokenLogprob[], top: number) {
  for (const entry of logprobs) {
    assert.ok(Number.isFinite(entry.logprob) && entry.logprob <= 0, `logprob ${entry.logprob}`);
    assert.equal(entry.top?.length, top);
    const values = entry.top!.map((alternative) => alternative.logprob);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => b - a),
      "alternatives sorted most likely first",
    );
    for (const value of values) assert.ok(value <= 0);
    // Probabilities of distinct alternatives cannot sum past 1.
    assert.ok(values.reduce((sum, value) => sum + Math.exp(value), 0) <= 1 + 1e-6);
    // The chosen token is never likelier than the most likely alternative.
    assert.ok(entry.logprob <= values[0] + 1e-9);
    const listed = entry.top!.find((alternative) => alternative.token === entry.token);
    if (listed) assert.ok(Math.abs(listed.logprob - entry.logprob) < 1e-9);
  }
}

test("per-token logprobs with sorted top-k alternatives, one entry per token", async () => {
  const completions = await backend.generate({ prompt: PROMPT, n: 2, maxTokens: 12, seed: 4, logprobs: 5 });
  for (const completion of completions) {
    assert.equal(completion.logprobs?.length, completion.usage.completionTokens);
    assert.equal(completion.logprobs!.map((entry) => entry.token).join(""), completion.text);
    assertWellFormed(completion.logprobs!, 5);
  }
});

test("greedy: the chosen token is the top alternative", async () => {
  const [completion] = await backend.generate({ prompt: PROMPT, maxTokens: 10, temperature: 0, logprobs: 3 });
  assertWellFormed(completion.logprobs!, 3);
  for (const entry of completion.logprobs!) {
    assert.equal(entry.top![0].token, entry.token);
    assert.equal(entry.top![0].logprob, entry.logprob);
  }
});

test("logprobs: 0 gives the chosen token's logprob only, equal to the top-k path's", async () => {
  const request = { prompt: PROMPT, maxTokens: 10, temperature: 0.7, seed: 9 };
  const [only] = await backend.generate({ ...request, logprobs: 0 });
  const [withTop] = await backend.generate({ ...request, logprobs: 2 });
  assert.equal(only.text, withTop.text);
  assert.ok(only.logprobs!.every((entry) => entry.top === undefined));
  only.logprobs!.forEach((entry, i) => {
    assert.ok(Math.abs(entry.logprob - withTop.logprobs![i].logprob) < 1e-5);
  });
});

test("no logprobs unless asked; more than 20 alternatives are capped with a warning", async () => {
  const [plain] = await backend.generate({ prompt: PROMPT, maxTokens: 3, seed: 1 });
  assert.equal(plain.logprobs, undefined);
  assert.equal(plain.warnings, undefined);
  const [capped] = await backend.generate({ prompt: PROMPT, maxTokens: 3, temperature: 0, logprobs: 50 });
  assert.equal(capped.logprobs![0].top!.length, 20);
  assert.match(capped.warnings!.join(" "), /`logprobs` 50 capped at 20/);
});
