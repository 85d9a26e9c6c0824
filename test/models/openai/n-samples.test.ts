import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAIBackend } from "../../../src/models/openai/index.ts";
import { type OpenAIServer, type Responder, startOpenAIServer } from "../../../src/testing/openai-server.ts";

let server: OpenAIServer;
let reply: Responder = () => ({ choices: [{ text: "x" }] });

before(async () => {
  server = await startOpenAIServer({ responder: (request) => reply(request) });
});
after(() => server.close());

const ask = { messages: [{ role: "user" as const, content: "Pick a number" }], seed: 100 };
const backend = () =>
  createOpenAIBackend({ model: "m", baseURL: server.url, maxRetries: 0, timeoutMs: 5000 });

test("native n: one call with n, completions indexed 0..n-1", async () => {
  reply = ({ n }) => ({ choices: Array.from({ length: n }, (_, i) => ({ text: `s${i}` })) });
  const b = backend();
  const before = server.requests.length;
  const completions = await b.generate({ ...ask, n: 3 });
  assert.equal(server.requests.length - before, 1);
  assert.equal(server.requests.at(-1)!.body.n, 3);
  assert.deepEqual(
    completions.map((c) => [c.index, c.text, c.seed]),
    [
      [0, "s0", 100],
      [1, "s1", 100],
      [2, "s2", 100],
    ],
  );
  assert.equal(b.capabilities.nativeN, true);
});

test("an upstream that ignores n (one choice back) fans out the rest with seed + i, and remembers", async () => {
  // Ollama-style: always one choice, text derived from the seed so each sample is traceable.
  reply = ({ body }) => ({ choices: [{ text: `seed ${body.seed}` }] });
  const b = backend();
  const before = server.requests.length;
  const completions = await b.generate({ ...ask, n: 3 });
  assert.deepEqual(
    completions.map((c) => [c.index, c.text, c.seed]),
    [
      [0, "seed 100", 100],
      [1, "seed 101", 101],
      [2, "seed 102", 102],
    ],
  );
  assert.equal(server.requests.length - before, 3, "the first call (n=3) answered sample 0; two more calls");
  assert.equal(b.capabilities.nativeN, false);
  const again = await b.generate({ ...ask, n: 2 });
  assert.equal(again.length, 2);
  const last = server.requests.slice(-2);
  assert.ok(
    last.every((request) => request.body.n === undefined),
    "fan-out calls do not send n",
  );
  assert.deepEqual(last.map((request) => request.body.seed).sort(), [100, 101]);
});

test("an upstream that rejects n > 1 (llama-server) falls back to fan-out", async () => {
  reply = ({ n, body }) =>
    n > 1
      ? { fault: "status", status: 400, message: "Only one completion choice is allowed" }
      : { choices: [{ text: `seed ${body.seed}` }] };
  const b = backend();
  const completions = await b.generate({ ...ask, n: 2 });
  assert.deepEqual(
    completions.map((c) => c.text),
    ["seed 100", "seed 101"],
  );
  assert.equal(b.capabilities.nativeN, false);
});

test("nativeN: false fans out from the start, in parallel", async () => {
  let active = 0;
  let peak = 0;
  reply = async ({ body }) => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((resolve) => setTimeout(resolve, 300));
    active--;
    return { choices: [{ text: `seed ${body.seed}` }] };
  };
  const b = createOpenAIBackend({ model: "m", baseURL: server.url, nativeN: false });
  const before = server.requests.length;
  const completions = await b.generate({ ...ask, n: 4 });
  assert.equal(server.requests.length - before, 4);
  assert.deepEqual(
    completions.map((c) => [c.index, c.text]),
    [
      [0, "seed 100"],
      [1, "seed 101"],
      [2, "seed 102"],
      [3, "seed 103"],
    ],
  );
  assert.equal(peak, 4, "all four samples were in flight at once");
});

test("one failed sample of a fan-out is an error completion; all failed rejects", async () => {
  reply = ({ body }) =>
    body.seed === 101 ? { fault: "status", status: 500, message: "boom" } : { choices: [{ text: "ok" }] };
  const b = createOpenAIBackend({ model: "m", baseURL: server.url, nativeN: false, maxRetries: 0 });
  const completions = await b.generate({ ...ask, n: 3 });
  assert.deepEqual(
    completions.map((c) => c.finishReason),
    ["stop", "error", "stop"],
  );
  assert.match(completions[1].error ?? "", /500/);

  reply = () => ({ fault: "status", status: 500, message: "all down" });
  await assert.rejects(b.generate({ ...ask, n: 2 }), { code: "UPSTREAM", status: 500 });
});
