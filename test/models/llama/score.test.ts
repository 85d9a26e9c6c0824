import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LlamaBackend } from "../../../src/models/llama/index.ts";
import { openTinyBackend, PROMPT } from "./llama-fixture.ts";

let backend: LlamaBackend;
before(async () => {
  backend = await openTinyBackend();
});
after(() => backend.close());

test("score() returns one finite logprob per continuation token, summed", async () => {
  const result = await backend.score({
    prompt: PROMPT,
    continuation: " 4, since two and two make four",
    logprobs: 3,
  });
  assert.equal(result.backend, backend.id);
  assert.ok(result.promptTokens > 5);
  assert.ok(result.tokens.length >= 20);
  for (const token of result.tokens) {
    assert.ok(Number.isFinite(token.logprob) && token.logprob < 0);
    assert.equal(token.top?.length, 3);
  }
  const sum = result.tokens.reduce((total, token) => total + token.logprob, 0);
  assert.ok(Math.abs(result.logprob - sum) < 1e-9);
  assert.equal(result.tokens.map((token) => token.token).join(""), " 4, since two and two make four");
});

test("scoring the greedy completion reproduces its generation logprobs", async () => {
  const [greedy] = await backend.generate({ prompt: PROMPT, maxTokens: 8, temperature: 0, logprobs: 0 });
  const scored = await backend.score({ prompt: PROMPT, continuation: greedy.text });
  assert.equal(scored.tokens.length, 8);
  scored.tokens.forEach((token, i) => {
    assert.ok(Math.abs(token.logprob - greedy.logprobs![i].logprob) < 1e-4, `token ${i}`);
  });
  // The greedy continuation is the likeliest one: every token is its position's top choice.
  const withTop = await backend.score({ prompt: PROMPT, continuation: greedy.text, logprobs: 1 });
  for (const token of withTop.tokens) assert.equal(token.top![0].logprob, token.logprob);
});

test("the same score twice (from the cached prefix) gives the same numbers", async () => {
  const request = { prompt: PROMPT, continuation: " four" };
  const first = await backend.score(request);
  const second = await backend.score(request);
  assert.ok(Math.abs(first.logprob - second.logprob) < 1e-5);
});

test("score() takes messages, scoring the assistant's reply", async () => {
  const result = await backend.score({ prompt: [{ role: "user", content: "2+2?" }], continuation: "4" });
  assert.equal(result.tokens.length, 1);
  assert.ok(Number.isFinite(result.logprob) && result.logprob < 0);
});

test("an empty continuation is rejected", async () => {
  await assert.rejects(backend.score({ prompt: PROMPT, continuation: "" }), { code: "BAD_REQUEST" });
});
