import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAIBackend } from "../../../src/models/openai/index.ts";
import type { StreamEvent } from "../../../src/models/types.ts";
import { type OpenAIServer, type Responder, startOpenAIServer } from "../../../src/testing/openai-server.ts";

let server: OpenAIServer;
let reply: Responder = () => ({ choices: [{ text: "x" }] });

before(async () => {
  server = await startOpenAIServer({ responder: (request) => reply(request) });
});
after(() => server.close());

const ask = { messages: [{ role: "user" as const, content: "q" }] };
const backend = () => createOpenAIBackend({ model: "m", baseURL: server.url, retryBaseDelayMs: 1 });

test("an already aborted signal resolves with abort completions and sends nothing", async () => {
  const before = server.requests.length;
  const completions = await backend().generate({ ...ask, n: 2, signal: AbortSignal.abort() });
  assert.deepEqual(
    completions.map((c) => [c.index, c.finishReason]),
    [
      [0, "abort"],
      [1, "abort"],
    ],
  );
  assert.equal(server.requests.length, before);
});

test("aborting during a slow call resolves promptly with abort", async () => {
  reply = () => ({ choices: [{ text: "late" }], delayMs: 5000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const started = performance.now();
  const [completion] = await backend().generate({ ...ask, signal: controller.signal });
  assert.equal(completion.finishReason, "abort");
  assert.ok(performance.now() - started < 3000, "did not wait for the upstream");
});

test("aborting while waiting to retry resolves with abort", async () => {
  reply = () => ({ fault: "status", status: 429, headers: { "retry-after": "5" } });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 80);
  const started = performance.now();
  const [completion] = await backend().generate({ ...ask, signal: controller.signal });
  assert.equal(completion.finishReason, "abort");
  assert.ok(performance.now() - started < 3000, "did not wait for the upstream");
});

test("aborting a stream ends it with an abort completion keeping the text so far", async () => {
  reply = () => ({ choices: [{ text: "one two three four five six" }], chunkDelayMs: 40 });
  const controller = new AbortController();
  const events: StreamEvent[] = [];
  for await (const event of backend().stream({ ...ask, signal: controller.signal })) {
    events.push(event);
    if (event.type === "delta" && event.text.startsWith("two")) controller.abort();
  }
  const done = events.at(-1)!;
  assert.equal(done.type, "done");
  if (done.type !== "done") return;
  assert.equal(done.completion.finishReason, "abort");
  assert.equal(done.completion.text, "one two ");
});
