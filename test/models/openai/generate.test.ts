import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAIBackend } from "../../../src/models/openai/index.ts";
import { type OpenAIServer, type Responder, startOpenAIServer } from "../../../src/testing/openai-server.ts";

let server: OpenAIServer;
let reply: Responder = () => ({ choices: [{ text: "4" }] });

before(async () => {
  server = await startOpenAIServer({ responder: (request) => reply(request) });
});
after(() => server.close());

const backend = () =>
  createOpenAIBackend({ model: "test-model", baseURL: server.url, maxRetries: 0, timeoutMs: 5000 });

test("a chat request sends the history and sampling settings and maps the answer", async () => {
  reply = () => ({
    choices: [{ text: "The answer is 4.", finishReason: "stop" }],
    usage: { promptTokens: 12, completionTokens: 6 },
  });
  const messages = [
    { role: "system" as const, content: "Be brief." },
    { role: "user" as const, content: "2+2?" },
    { role: "assistant" as const, content: "4" },
    { role: "user" as const, content: "Sure?" },
  ];
  const [completion] = await backend().generate({
    messages,
    temperature: 0.7,
    topP: 0.9,
    topK: 40,
    minP: 0.05,
    seed: 11,
    maxTokens: 32,
    stop: ["\n\n"],
  });
  const sent = server.requests.at(-1)!;
  assert.equal(sent.api, "chat");
  assert.deepEqual(sent.body.messages, messages);
  assert.equal(sent.body.model, "test-model");
  assert.equal(sent.body.temperature, 0.7);
  assert.equal(sent.body.top_p, 0.9);
  assert.equal(sent.body.top_k, 40);
  assert.equal(sent.body.min_p, 0.05);
  assert.equal(sent.body.seed, 11);
  assert.equal(sent.body.max_tokens, 32);
  assert.deepEqual(sent.body.stop, ["\n\n"]);
  assert.equal(sent.body.n, undefined);
  assert.equal(completion.text, "The answer is 4.");
  assert.equal(completion.finishReason, "stop");
  assert.equal(completion.rawFinishReason, "stop");
  assert.deepEqual(completion.usage, { promptTokens: 12, completionTokens: 6 });
  assert.equal(completion.endpoint, server.url);
  assert.equal(completion.backend, `openai:test-model@${server.url}`);
  assert.equal(completion.seed, 11);
  assert.equal(completion.warnings, undefined);
  assert.ok(completion.timings.totalMs >= 0);
});

test("a raw prompt goes to the legacy completions endpoint", async () => {
  reply = () => ({ choices: [{ text: " 5", finishReason: "length" }] });
  const [completion] = await backend().generate({ prompt: "2+3 =", maxTokens: 1 });
  const sent = server.requests.at(-1)!;
  assert.equal(sent.api, "completions");
  assert.equal(sent.body.prompt, "2+3 =");
  assert.equal(sent.body.messages, undefined);
  assert.equal(completion.text, " 5");
  assert.equal(completion.finishReason, "length");
});

test("reasoning comes from reasoning_content or reasoning, with reasoning tokens from usage details", async () => {
  reply = () => ({
    choices: [{ text: "4", reasoning: "2 plus 2 is 4", reasoningField: "reasoning_content" }],
    usage: { promptTokens: 3, completionTokens: 9, reasoningTokens: 8 },
  });
  const [a] = await backend().generate({ messages: [{ role: "user", content: "2+2?" }] });
  assert.equal(a.reasoning, "2 plus 2 is 4");
  assert.deepEqual(a.usage, { promptTokens: 3, completionTokens: 9, reasoningTokens: 8 });

  reply = () => ({ choices: [{ text: "4", reasoning: "think", reasoningField: "reasoning" }] });
  const [b] = await backend().generate({ messages: [{ role: "user", content: "2+2?" }] });
  assert.equal(b.reasoning, "think");
  assert.equal(b.usage.reasoningTokens, undefined);
});

test("finish reasons map to our union and keep the raw value", async () => {
  const cases: [string | null, string][] = [
    ["stop", "stop"],
    ["eos", "stop"],
    ["length", "length"],
    ["content_filter", "error"],
    ["abort", "abort"],
    [null, "stop"],
  ];
  for (const [raw, expected] of cases) {
    reply = () => ({ choices: [{ text: "x", finishReason: raw }] });
    const [completion] = await backend().generate({ messages: [{ role: "user", content: "q" }] });
    assert.equal(completion.finishReason, expected, `raw ${raw}`);
    assert.equal(completion.rawFinishReason, raw ?? undefined);
    if (expected === "error") assert.match(completion.error ?? "", /content filter/);
  }
});

test("assistantPrefix is sent as a trailing assistant message, or with continue_final_message for vLLM", async () => {
  reply = () => ({ choices: [{ text: " 4." }] });
  const messages = [{ role: "user" as const, content: "2+2?" }];
  const [completion] = await backend().generate({ messages, assistantPrefix: "Final answer:" });
  assert.equal(completion.text, " 4.");
  let sent = server.requests.at(-1)!;
  assert.deepEqual(sent.body.messages, [...messages, { role: "assistant", content: "Final answer:" }]);
  assert.equal(sent.body.continue_final_message, undefined);

  const vllm = createOpenAIBackend({ model: "m", baseURL: server.url, prefill: "continue-final-message" });
  await vllm.generate({ messages, assistantPrefix: "Final answer:" });
  sent = server.requests.at(-1)!;
  assert.equal(sent.body.continue_final_message, true);
  assert.equal(sent.body.add_generation_prompt, false);
});

test("top_k and min_p become warnings where sampling extensions are off", async () => {
  reply = () => ({ choices: [{ text: "ok" }] });
  const strict = createOpenAIBackend({ model: "m", baseURL: server.url, samplingExtensions: false });
  assert.equal(strict.capabilities.topK, false);
  const [completion] = await strict.generate({
    messages: [{ role: "user", content: "q" }],
    topK: 5,
    minP: 0.1,
  });
  const sent = server.requests.at(-1)!;
  assert.equal(sent.body.top_k, undefined);
  assert.equal(sent.body.min_p, undefined);
  assert.equal(completion.warnings?.length, 2);
  assert.match(completion.warnings![0], /`topK`/);
  assert.match(completion.warnings![1], /`minP`/);
});

test("an upstream that rejects top_k by name is remembered and the call repeated without it", async () => {
  reply = (request) =>
    request.body.top_k !== undefined
      ? { fault: "status", status: 400, message: "Unrecognized request argument supplied: top_k" }
      : { choices: [{ text: "fine" }] };
  const b = backend();
  const before = server.requests.length;
  const [completion] = await b.generate({ messages: [{ role: "user", content: "q" }], topK: 5 });
  assert.equal(completion.text, "fine");
  assert.match(completion.warnings?.[0] ?? "", /`topK`/);
  assert.equal(server.requests.length - before, 2);
  assert.equal(b.capabilities.topK, false);
  await b.generate({ messages: [{ role: "user", content: "q" }], topK: 5 });
  assert.equal(server.requests.length - before, 3, "the second call goes straight without top_k");
});

test("usage of one call is split over its choices so the sums match the upstream's totals", async () => {
  reply = ({ n }) => ({
    choices: Array.from({ length: n }, (_, i) => ({ text: `answer ${i}` })),
    usage: { promptTokens: 10, completionTokens: 7 },
  });
  const completions = await backend().generate({ messages: [{ role: "user", content: "q" }], n: 3 });
  assert.deepEqual(
    completions.map((completion) => completion.usage.promptTokens),
    [10, 0, 0],
  );
  assert.equal(
    completions.reduce((sum, completion) => sum + completion.usage.completionTokens, 0),
    7,
  );
});

test("apiKey and custom headers reach the upstream", async () => {
  reply = () => ({ choices: [{ text: "ok" }] });
  const b = createOpenAIBackend({
    model: "m",
    baseURL: `${server.url}/`,
    apiKey: "sk-test",
    headers: { "x-tenant": "lab" },
  });
  const [completion] = await b.generate({ messages: [{ role: "user", content: "q" }] });
  const sent = server.requests.at(-1)!;
  assert.equal(sent.headers.authorization, "Bearer sk-test");
  assert.equal(sent.headers["x-tenant"], "lab");
  assert.equal(completion.endpoint, server.url, "a trailing slash is trimmed");
});
