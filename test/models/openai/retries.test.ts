import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { createOpenAIBackend, type OpenAIBackendOptions } from "../../../src/models/openai/index.ts";
import { type OpenAIServer, type Responder, startOpenAIServer } from "../../../src/testing/openai-server.ts";

let server: OpenAIServer;
let reply: Responder = () => ({ choices: [{ text: "x" }] });

before(async () => {
  server = await startOpenAIServer({ responder: (request) => reply(request) });
});
after(() => server.close());

const ask = { messages: [{ role: "user" as const, content: "q" }] };
const backend = (options: Partial<OpenAIBackendOptions> = {}) =>
  createOpenAIBackend({
    model: "m",
    baseURL: server.url,
    maxRetries: 2,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    timeoutMs: 5000,
    ...options,
  });

/** Replies with `faults` in order, then succeeds. */
function faultsThenOk(...faults: ReturnType<Responder>[]): Responder {
  let calls = 0;
  return () => faults[calls++] ?? { choices: [{ text: "recovered" }] };
}

test("429 with Retry-After waits as told, then succeeds", async () => {
  reply = faultsThenOk({ fault: "status", status: 429, headers: { "retry-after": "0.2" } });
  const started = performance.now();
  const [completion] = await backend().generate(ask);
  const elapsed = performance.now() - started;
  assert.equal(completion.text, "recovered");
  assert.ok(elapsed >= 190, `waited for Retry-After (took ${elapsed.toFixed(0)} ms)`);
});

test("retry-after-ms is honoured and long Retry-After values are capped", async () => {
  reply = faultsThenOk({ fault: "status", status: 503, headers: { "retry-after-ms": "120" } });
  let started = performance.now();
  await backend().generate(ask);
  assert.ok(performance.now() - started >= 110);

  reply = faultsThenOk({ fault: "status", status: 429, headers: { "retry-after": "30" } });
  started = performance.now();
  const [completion] = await backend({ maxRetryAfterMs: 50 }).generate(ask);
  const elapsed = performance.now() - started;
  assert.equal(completion.text, "recovered");
  assert.ok(elapsed >= 45 && elapsed < 5000, `capped at 50 ms (took ${elapsed.toFixed(0)} ms)`);
});

test("a 429 that never clears ends as RATE_LIMITED with the server's Retry-After", async () => {
  reply = () => ({ fault: "status", status: 429, message: "slow down", headers: { "retry-after": "0" } });
  await assert.rejects(backend({ maxRetries: 1 }).generate(ask), (error: Record<string, unknown>) => {
    assert.equal(error.code, "RATE_LIMITED");
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 0);
    assert.match(String(error.message), /slow down/);
    return true;
  });
});

test("500s are retried with backoff until one succeeds", async () => {
  reply = faultsThenOk({ fault: "status", status: 500 }, { fault: "status", status: 502 });
  const before = server.requests.length;
  const [completion] = await backend().generate(ask);
  assert.equal(completion.text, "recovered");
  assert.equal(server.requests.length - before, 3);
});

test("retries run out: UPSTREAM with the status, retryable, after maxRetries + 1 attempts", async () => {
  reply = () => ({ fault: "status", status: 500, message: "kaput" });
  const before = server.requests.length;
  await assert.rejects(backend({ maxRetries: 2 }).generate(ask), {
    code: "UPSTREAM",
    status: 500,
    retryable: true,
  });
  assert.equal(server.requests.length - before, 3);
});

test("a 400 is not retried", async () => {
  reply = () => ({ fault: "status", status: 400, message: "context length exceeded" });
  const before = server.requests.length;
  await assert.rejects(backend().generate(ask), { code: "UPSTREAM", status: 400, retryable: false });
  assert.equal(server.requests.length - before, 1);
});

test("401 maps to UNAUTHORIZED", async () => {
  reply = () => ({ fault: "status", status: 401, message: "bad key" });
  await assert.rejects(backend().generate(ask), { code: "UNAUTHORIZED", status: 401 });
});

test("garbage JSON is a clear UPSTREAM error naming the endpoint", async () => {
  reply = () => ({ fault: "garbage" });
  await assert.rejects(backend({ maxRetries: 0 }).generate(ask), (error: Error & { code?: string }) => {
    assert.equal(error.code, "UPSTREAM");
    assert.ok(error.message.includes(server.url));
    assert.match(error.message, /invalid JSON/);
    return true;
  });
});

test("JSON of the wrong shape is an UPSTREAM error naming the field", async () => {
  reply = () => ({ fault: "garbage", body: JSON.stringify({ object: "chat.completion", choices: "nope" }) });
  await assert.rejects(backend({ maxRetries: 0 }).generate(ask), /malformed response: `choices`/);
});

test("garbage once, then a good answer: retried", async () => {
  reply = faultsThenOk({ fault: "garbage" }, { fault: "destroy" });
  const [completion] = await backend().generate(ask);
  assert.equal(completion.text, "recovered");
});

test("an unreachable base URL (a closed port) is an UPSTREAM error naming the URL", async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const url = `http://127.0.0.1:${port}/v1`;
  await assert.rejects(
    backend({ baseURL: url, maxRetries: 1 }).generate(ask),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, "UPSTREAM");
      assert.ok(error.message.includes(url), error.message);
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    },
  );
});

test("a hanging upstream times out as TIMEOUT after timeoutMs", async () => {
  reply = () => ({ fault: "hang" });
  const started = performance.now();
  await assert.rejects(
    backend({ timeoutMs: 100, maxRetries: 1 }).generate(ask),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, "TIMEOUT");
      assert.match(error.message, /100 ms/);
      return true;
    },
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 190 && elapsed < 5000, `two attempts of 100 ms (took ${elapsed.toFixed(0)} ms)`);
});

test("404s: a missing model is MODEL_NOT_FOUND, a wrong path hints at the /v1 prefix", async () => {
  reply = () => ({ fault: "status", status: 404, message: "The model `nope` does not exist" });
  await assert.rejects(backend().generate(ask), { code: "MODEL_NOT_FOUND", status: 404 });

  const withoutPrefix = backend({ baseURL: server.url.replace(/\/v1$/, "") });
  await assert.rejects(withoutPrefix.generate(ask), (error: Error & { code?: string }) => {
    assert.equal(error.code, "UPSTREAM");
    assert.match(error.message, /`\/v1` prefix/);
    return true;
  });
});
