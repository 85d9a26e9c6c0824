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

const backend = (options: { nativeN?: boolean; timeoutMs?: number } = {}) =>
  createOpenAIBackend({ model: "m", baseURL: server.url, maxRetries: 0, timeoutMs: 5000, ...options });

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const ask = { messages: [{ role: "user" as const, content: "Count" }] };

test("streams deltas then a done completion with usage from the final usage chunk", async () => {
  reply = () => ({
    choices: [{ text: "one two three", reasoning: "counting", finishReason: "length" }],
    usage: { promptTokens: 5, completionTokens: 3, reasoningTokens: 1 },
  });
  const events = await collect(backend().stream(ask));
  const sent = server.requests.at(-1)!;
  assert.equal(sent.body.stream, true);
  assert.deepEqual(sent.body.stream_options, { include_usage: true });
  const deltas = events.filter((event) => event.type === "delta");
  assert.deepEqual(
    deltas.map((event) => event.text),
    ["one ", "two ", "three"],
  );
  assert.equal(events.at(-1)!.type, "done");
  const done = events.at(-1) as Extract<StreamEvent, { type: "done" }>;
  assert.equal(done.completion.text, "one two three");
  assert.equal(done.completion.reasoning, "counting");
  assert.equal(done.completion.finishReason, "length");
  assert.deepEqual(done.completion.usage, { promptTokens: 5, completionTokens: 3, reasoningTokens: 1 });
  assert.ok(done.completion.timings.firstTokenMs !== undefined);
});

test("streams the legacy completions endpoint for a raw prompt, with logprobs per delta", async () => {
  reply = () => ({
    choices: [
      {
        text: "4.",
        logprobs: [
          { token: "4", logprob: -0.1, top: [{ token: "4", logprob: -0.1 }] },
          { token: ".", logprob: -0.2, top: [{ token: ".", logprob: -0.2 }] },
        ],
      },
    ],
  });
  const events = await collect(backend().stream({ prompt: "2+2=", logprobs: 1 }));
  assert.equal(server.requests.at(-1)!.api, "completions");
  const deltas = events.filter((event) => event.type === "delta");
  assert.deepEqual(
    deltas.map((event) => [event.text, event.logprobs?.[0].logprob]),
    [
      ["4", -0.1],
      [".", -0.2],
    ],
  );
  const done = events.at(-1) as Extract<StreamEvent, { type: "done" }>;
  assert.equal(done.completion.text, "4.");
  assert.equal(done.completion.logprobs?.length, 2);
});

test("native n streams all samples in one call, each ending with its own done", async () => {
  reply = ({ n }) => ({ choices: Array.from({ length: n }, (_, i) => ({ text: `sample ${i}` })) });
  const events = await collect(backend().stream({ ...ask, n: 3 }));
  assert.equal(server.requests.at(-1)!.body.n, 3);
  const done = events.filter((event) => event.type === "done").map((event) => event.completion);
  assert.deepEqual(
    done.map((c) => [c.index, c.text]),
    [
      [0, "sample 0"],
      [1, "sample 1"],
      [2, "sample 2"],
    ],
  );
});

test("fan-out streams merge the samples, with seed + i and indices kept apart", async () => {
  reply = ({ body }) => ({ choices: [{ text: `seed ${body.seed} done` }], chunkDelayMs: 5 });
  const before = server.requests.length;
  const events = await collect(backend({ nativeN: false }).stream({ ...ask, n: 3, seed: 7 }));
  assert.equal(server.requests.length - before, 3);
  for (const index of [0, 1, 2]) {
    const text = events
      .filter((event) => event.type === "delta" && event.index === index)
      .map((event) => (event.type === "delta" ? event.text : ""))
      .join("");
    assert.equal(text, `seed ${7 + index} done`);
  }
  const done = events.filter((event) => event.type === "done").map((event) => event.completion);
  assert.deepEqual(done.map((c) => c.index).sort(), [0, 1, 2]);
  assert.deepEqual(done.map((c) => c.seed).sort(), [7, 8, 9]);
});

test("an upstream that ignores n in a stream gets the missing samples fanned out", async () => {
  reply = ({ body }) => ({ choices: [{ text: `seed ${body.seed}` }] });
  const b = backend();
  const events = await collect(b.stream({ ...ask, n: 2, seed: 1 }));
  const done = events.filter((event) => event.type === "done").map((event) => event.completion);
  assert.deepEqual(
    done.map((c) => [c.index, c.text]),
    [
      [0, "seed 1"],
      [1, "seed 2"],
    ],
  );
  assert.equal(b.capabilities.nativeN, false);
});

test("a stream that dies midway ends with an error completion keeping the text so far", async () => {
  reply = () => ({ choices: [{ text: "alpha beta gamma delta" }], dieAfterChunks: 2 });
  const events = await collect(backend().stream(ask));
  const done = events.at(-1) as Extract<StreamEvent, { type: "done" }>;
  assert.equal(done.type, "done");
  assert.equal(done.completion.finishReason, "error");
  assert.equal(done.completion.text, "alpha beta ");
  assert.match(done.completion.error ?? "", /127\.0\.0\.1/);
});

test("a stream that goes silent past timeoutMs ends with an error naming the timeout", async () => {
  reply = () => ({ choices: [{ text: "slow words here" }], chunkDelayMs: 1000 });
  const events = await collect(backend({ timeoutMs: 150 }).stream(ask));
  const done = events.at(-1) as Extract<StreamEvent, { type: "done" }>;
  assert.equal(done.completion.finishReason, "error");
  assert.match(done.completion.error ?? "", /150 ms/);
});

test("a consumer that stops reading frees the endpoint slot", async () => {
  reply = () => ({ choices: [{ text: "a b c d e f g h" }], chunkDelayMs: 20 });
  const b = createOpenAIBackend({ model: "m", baseURL: server.url, maxInFlightPerEndpoint: 1 });
  for await (const event of b.stream(ask)) {
    if (event.type === "delta") break;
  }
  assert.equal(b.endpoints()[0].inFlight, 0);
  reply = () => ({ choices: [{ text: "next" }] });
  const [completion] = await b.generate(ask);
  assert.equal(completion.text, "next");
});

test("a stream that cannot start rejects with the upstream error; n rejected by name falls back to fan-out", async () => {
  reply = () => ({ fault: "status", status: 503, message: "overloaded" });
  await assert.rejects(collect(backend().stream(ask)), { code: "UPSTREAM", status: 503 });

  reply = ({ n, body }) =>
    n > 1
      ? { fault: "status", status: 400, message: "Only one completion choice is allowed" }
      : { choices: [{ text: `seed ${body.seed}` }] };
  const b = backend();
  const events = await collect(b.stream({ ...ask, n: 2, seed: 40 }));
  const done = events.filter((event) => event.type === "done").map((event) => event.completion);
  assert.deepEqual(done.map((c) => c.text).sort(), ["seed 40", "seed 41"]);
  assert.equal(b.capabilities.nativeN, false);
});
