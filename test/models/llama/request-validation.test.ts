import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LlamaBackend } from "../../../src/models/llama/index.ts";
import type { GenerateRequest } from "../../../src/models/types.ts";
import { openTinyBackend, PROMPT } from "./llama-fixture.ts";

let backend: LlamaBackend;
before(async () => {
  backend = await openTinyBackend();
});
after(() => backend.close());

const invalid: Array<[string, GenerateRequest]> = [
  ["n", { prompt: PROMPT, n: 0 }],
  ["n", { prompt: PROMPT, n: 1.5 }],
  ["temperature", { prompt: PROMPT, temperature: -0.1 }],
  ["maxTokens", { prompt: PROMPT, maxTokens: 0 }],
  ["topP", { prompt: PROMPT, topP: 0 }],
  ["topP", { prompt: PROMPT, topP: 1.2 }],
  ["topK", { prompt: PROMPT, topK: 0 }],
  ["minP", { prompt: PROMPT, minP: 1 }],
  ["seed", { prompt: PROMPT, seed: -1 }],
  ["seed", { prompt: PROMPT, seed: 2 ** 32 }],
  ["logprobs", { prompt: PROMPT, logprobs: -1 }],
  ["stop", { prompt: PROMPT, stop: [""] }],
  ["messages", {}],
  ["messages", { prompt: PROMPT, messages: [{ role: "user", content: "hi" }] }],
  ["messages", { messages: [] }],
];

for (const [param, request] of invalid) {
  test(`rejects ${JSON.stringify({ ...request, prompt: undefined })} naming \`${param}\``, async () => {
    await assert.rejects(backend.generate(request), (error: Error & { code?: string; param?: string }) => {
      assert.equal(error.code, "BAD_REQUEST");
      assert.ok(error.param?.startsWith(param), `param ${error.param}`);
      assert.ok(error.message.includes(`\`${param}`), error.message);
      return true;
    });
  });
}

test("stream() rejects invalid requests the same way", async () => {
  await assert.rejects(
    async () => {
      for await (const _ of backend.stream({ prompt: PROMPT, n: 0 })) {
        // unreachable
      }
    },
    { code: "BAD_REQUEST", param: "n" },
  );
});

test("a prompt longer than the context is rejected before any work", async () => {
  await assert.rejects(backend.generate({ prompt: "x".repeat(1000) }), (error: Error & { code?: string }) => {
    assert.equal(error.code, "BAD_REQUEST");
    assert.match(error.message, /`prompt` needs \d+ tokens but a sequence holds 256/);
    return true;
  });
});

test("valid edge values pass", async () => {
  const [completion] = await backend.generate({
    prompt: PROMPT,
    n: 1,
    temperature: 0,
    topP: 1,
    topK: 1,
    minP: 0,
    seed: 2 ** 32 - 1,
    maxTokens: 1,
  });
  assert.equal(completion.usage.completionTokens, 1);
});
