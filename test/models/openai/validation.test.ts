import assert from "node:assert/strict";
import { test } from "node:test";
import { createOpenAIBackend, type OpenAIBackendOptions } from "../../../src/models/openai/index.ts";
import type { GenerateRequest } from "../../../src/models/types.ts";

// Nothing listens here: a request that passed validation would fail with UPSTREAM, not BAD_REQUEST.
const backend = createOpenAIBackend({ model: "m", baseURL: "http://127.0.0.1:1/v1", maxRetries: 0 });
const messages = [{ role: "user" as const, content: "q" }];

const invalid: [string, GenerateRequest, string][] = [
  ["n = 0", { messages, n: 0 }, "n"],
  ["fractional n", { messages, n: 1.5 }, "n"],
  ["negative temperature", { messages, temperature: -0.1 }, "temperature"],
  ["maxTokens = 0", { messages, maxTokens: 0 }, "maxTokens"],
  ["topP = 0", { messages, topP: 0 }, "topP"],
  ["topK = 0", { messages, topK: 0 }, "topK"],
  ["minP = 1", { messages, minP: 1 }, "minP"],
  ["negative logprobs", { messages, logprobs: -1 }, "logprobs"],
  ["both messages and prompt", { messages, prompt: "p" }, "messages"],
  ["neither messages nor prompt", {}, "messages"],
  ["assistantPrefix with a raw prompt", { prompt: "p", assistantPrefix: "A:" }, "assistantPrefix"],
];

for (const [name, request, param] of invalid) {
  test(`BAD_REQUEST naming \`${param}\`: ${name}`, async () => {
    await assert.rejects(backend.generate(request), (error: Error & { code?: string; param?: string }) => {
      assert.equal(error.code, "BAD_REQUEST");
      assert.equal(error.param, param);
      assert.ok(error.message.includes(`\`${param}\``), error.message);
      return true;
    });
    const stream = backend.stream(request)[Symbol.asyncIterator]();
    await assert.rejects(stream.next(), { code: "BAD_REQUEST", param });
  });
}

const badOptions: [string, OpenAIBackendOptions, string][] = [
  ["no base URL", { model: "m" }, "baseURL"],
  ["both baseURL and baseURLs", { model: "m", baseURL: "http://a/v1", baseURLs: ["http://b/v1"] }, "baseURL"],
  ["not a URL", { model: "m", baseURL: "localhost 8000" }, "baseURL"],
  ["empty pool", { model: "m", baseURLs: [] }, "baseURLs"],
  ["empty model", { model: "", baseURL: "http://a/v1" }, "model"],
  [
    "zero in-flight limit",
    { model: "m", baseURL: "http://a/v1", maxInFlightPerEndpoint: 0 },
    "maxInFlightPerEndpoint",
  ],
];

for (const [name, options, param] of badOptions) {
  test(`invalid backend options name \`${param}\`: ${name}`, () => {
    assert.throws(() => createOpenAIBackend(options), { code: "BAD_REQUEST", param });
  });
}

test("a closed backend refuses new work", async () => {
  const closing = createOpenAIBackend({ model: "m", baseURL: "http://127.0.0.1:1/v1" });
  await closing.close();
  await closing.close();
  await assert.rejects(closing.generate({ messages }), { code: "BAD_REQUEST" });
});
