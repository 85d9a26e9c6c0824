import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type OpenAIServer, type Responder, startOpenAIServer } from "../../../src/testing/openai-server.ts";

// The loopback server on its own, over plain fetch: other engineers' integration tests rely on its protocol.
let server: OpenAIServer;
let reply: Responder = () => ({ choices: [{ text: "hello world" }] });

before(async () => {
  server = await startOpenAIServer({ responder: (request) => reply(request), models: ["tiny", "small"] });
});
after(() => server.close());

interface ChatBody {
  object: string;
  model: string;
  choices: { index: number; message: { content: string; reasoning_content?: string } }[];
  usage: unknown;
}
interface LegacyBody {
  object: string;
  choices: {
    logprobs: { tokens: string[]; token_logprobs: number[]; top_logprobs: object[]; text_offset: number[] };
  }[];
}
interface ErrorBody {
  error: { message: string };
}

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

test("listens on 127.0.0.1 and lists its models", async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const response = await fetch(`${server.url}/models`);
  const body = (await response.json()) as { data: { id: string }[] };
  assert.deepEqual(
    body.data.map((model) => model.id),
    ["tiny", "small"],
  );
});

test("chat completions: choices, usage, reasoning_content, recorded request", async () => {
  reply = ({ n }) => ({
    choices: Array.from({ length: n }, (_, i) => ({ text: `answer ${i}`, reasoning: "because" })),
    usage: { promptTokens: 4, completionTokens: 6, reasoningTokens: 2 },
  });
  const response = await post("/chat/completions", {
    model: "tiny",
    messages: [{ role: "user", content: "hi" }],
    n: 2,
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as ChatBody;
  assert.equal(body.object, "chat.completion");
  assert.equal(body.model, "tiny");
  assert.deepEqual(
    body.choices.map((choice) => [choice.index, choice.message.content, choice.message.reasoning_content]),
    [
      [0, "answer 0", "because"],
      [1, "answer 1", "because"],
    ],
  );
  assert.deepEqual(body.usage, {
    prompt_tokens: 4,
    completion_tokens: 6,
    total_tokens: 10,
    completion_tokens_details: { reasoning_tokens: 2 },
  });
  const recorded = server.requests.at(-1)!;
  assert.equal(recorded.n, 2);
  assert.equal(recorded.prompt, "hi");
});

test("SSE streaming: role chunk, content chunks, finish chunk, usage chunk, [DONE]", async () => {
  reply = () => ({ choices: [{ text: "hello world", finishReason: "length" }] });
  const response = await post("/chat/completions", {
    model: "tiny",
    messages: [{ role: "user", content: "hi there" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  const events = (await response.text()).split("\n\n").filter(Boolean);
  assert.equal(events.at(-1), "data: [DONE]");
  const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice("data: ".length)));
  assert.deepEqual(
    chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? null),
    ["", "hello ", "world", null, null],
  );
  assert.equal(chunks[3].choices[0].finish_reason, "length");
  assert.deepEqual(chunks[4].choices, []);
  assert.deepEqual(chunks[4].usage, { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 });
});

test("legacy completions with logprobs in the parallel-array shape", async () => {
  reply = () => ({
    choices: [
      {
        text: "ab",
        logprobs: [
          { token: "a", logprob: -1, top: [{ token: "a", logprob: -1 }] },
          { token: "b", logprob: -2 },
        ],
      },
    ],
  });
  const response = await post("/completions", { model: "tiny", prompt: "x", logprobs: 1 });
  const body = (await response.json()) as LegacyBody;
  assert.equal(body.object, "text_completion");
  assert.deepEqual(body.choices[0].logprobs.tokens, ["a", "b"]);
  assert.deepEqual(body.choices[0].logprobs.token_logprobs, [-1, -2]);
  assert.deepEqual(body.choices[0].logprobs.top_logprobs, [{ a: -1 }, {}]);
  assert.deepEqual(body.choices[0].logprobs.text_offset, [0, 1]);
});

test("faults: status with headers, garbage, destroy", async () => {
  reply = () => ({ fault: "status", status: 429, message: "busy", headers: { "retry-after": "3" } });
  let response = await post("/chat/completions", { messages: [] });
  assert.equal(response.status, 429);
  assert.equal(response.headers.get("retry-after"), "3");
  assert.equal(((await response.json()) as ErrorBody).error.message, "busy");

  reply = () => ({ fault: "garbage" });
  response = await post("/chat/completions", { messages: [] });
  assert.equal(response.status, 200);
  await assert.rejects(response.json());

  reply = () => ({ fault: "destroy" });
  await assert.rejects(post("/chat/completions", { messages: [] }));
});

test("unknown routes answer 404 with an OpenAI error body", async () => {
  const response = await post("/embeddings", {});
  assert.equal(response.status, 404);
  assert.match(((await response.json()) as ErrorBody).error.message, /no route/);
});

test("close() ends hanging requests and is idempotent", { timeout: 10_000 }, async () => {
  const hanging = await startOpenAIServer({ responder: () => ({ fault: "hang" }) });
  const pending = fetch(`${hanging.url}/chat/completions`, { method: "POST", body: "{}" });
  // Wait for the request to arrive (polling: a loaded machine may take a while).
  while (hanging.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(hanging.inFlight, 1);
  await hanging.close();
  await hanging.close();
  await assert.rejects(pending);
});
