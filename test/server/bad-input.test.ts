/**
 * Bad input gets the right status and an OpenAI error body, and the server keeps serving.
 * In-process through `app.request()`, plus real sockets for the queue and disconnects.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelBackend } from "../../src/models/types.ts";
import { createApp } from "../../src/server/app.ts";
import { startServer } from "../../src/server/start-server.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

const KEY = "sk-test-0123456789";

function app(options: Partial<Parameters<typeof createApp>[0]> = {}, backend?: ModelBackend) {
  return createApp({
    models: new Map<string, ModelBackend>([
      ["small", backend ?? new ScriptedBackend({ answers: { "1": 1 } })],
    ]),
    strategies: [],
    runStrategy: () => Promise.reject(new Error("no strategies here")),
    ...options,
  }).app;
}

async function post(target: ReturnType<typeof app>, body: string, headers: Record<string, string> = {}) {
  const response = await target.request("/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const json = (await response.json()) as {
    error?: { message: string; type: string; param: string | null; code: string };
  };
  return { status: response.status, json, headers: response.headers };
}

const ok = JSON.stringify({ model: "small", messages: [{ role: "user", content: "hi" }] });

test("malformed JSON, missing messages and wrong types are 400s with an OpenAI error body", async () => {
  const target = app();
  const cases: Array<[string, RegExp, string | null]> = [
    ["{not json", /not valid JSON/, null],
    [JSON.stringify({ model: "small" }), /messages/, "messages"],
    [JSON.stringify({ model: "small", messages: "hi" }), /messages/, "messages"],
    [JSON.stringify({ model: 7, messages: [{ role: "user", content: "x" }] }), /model/, "model"],
    [JSON.stringify({ model: "small", messages: [{ role: "user", content: "x" }], n: 0 }), /`n`/, "n"],
    [JSON.stringify({ model: "small", messages: [{ role: "user", content: "x" }], n: 1000 }), /`n`/, "n"],
    [
      JSON.stringify({ model: "small", messages: [{ role: "wizard", content: "x" }] }),
      /role/,
      "messages.0.role",
    ],
  ];
  for (const [body, message, param] of cases) {
    const { status, json } = await post(target, body);
    assert.equal(status, 400, body);
    assert.match(json.error!.message, message);
    assert.equal(json.error!.type, "invalid_request_error");
    assert.equal(json.error!.param, param);
    assert.equal(typeof json.error!.code, "string");
  }
  assert.equal((await post(target, ok)).status, 200, "still serving");
});

test("unknown fields are ignored", async () => {
  const body = JSON.stringify({
    model: "small",
    messages: [{ role: "user", content: "x" }],
    frobnicate: true,
  });
  assert.equal((await post(app(), body)).status, 200);
});

test("an unknown model or strategy is a 404", async () => {
  const target = app();
  const unknownModel = await post(
    target,
    JSON.stringify({ model: "huge", messages: [{ role: "user", content: "x" }] }),
  );
  assert.equal(unknownModel.status, 404);
  assert.match(unknownModel.json.error!.message, /`huge` does not exist/);
  const unknownStrategy = await post(
    target,
    JSON.stringify({
      model: "small",
      messages: [{ role: "user", content: "x" }],
      deliberate: { strategy: "magic" },
    }),
  );
  assert.equal(unknownStrategy.status, 404);
  assert.match(unknownStrategy.json.error!.message, /unknown strategy `magic`/);
});

test("an oversized body is a 413", async () => {
  const target = app({ maxBodyBytes: 1000 });
  const big = JSON.stringify({ model: "small", messages: [{ role: "user", content: "x".repeat(5000) }] });
  const { status, json } = await post(target, big);
  assert.equal(status, 413);
  assert.match(json.error!.message, /exceeds 1000 bytes/);
  assert.equal(json.error!.type, "invalid_request_error");
  assert.equal(json.error!.code, "request_too_large");
  assert.equal((await post(target, ok)).status, 200);
});

test("unknown routes and trace ids are 404 not_found, not model_not_found", async () => {
  const target = app();
  for (const path of ["/v2/nothing", "/api/traces/no-such-trace"]) {
    const response = await target.request(path);
    assert.equal(response.status, 404, path);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, "not_found", path);
    assert.match(error.message, /^no (route|trace)/, path);
  }
});

test("a missing or wrong API key is a 401; the right one passes; /health needs none", async () => {
  const target = app({ apiKeys: [KEY] });
  assert.equal((await post(target, ok)).status, 401);
  const wrong = await post(target, ok, { authorization: "Bearer sk-wrong-000000000" });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error!.type, "authentication_error");
  assert.equal((await post(target, ok, { authorization: `Bearer ${KEY}` })).status, 200);
  assert.equal((await target.request("/health")).status, 200);
  assert.equal((await target.request("/")).status, 401, "the viewer is behind the same keys");
  assert.equal((await target.request(`/?key=${KEY}`)).status, 200);
});

test("per-key rate limits answer 429 with Retry-After", async () => {
  const target = app({ rateLimitPerMinute: 2 });
  assert.equal((await post(target, ok)).status, 200);
  assert.equal((await post(target, ok)).status, 200);
  const limited = await post(target, ok);
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
});

test("a full queue answers 429 with Retry-After, and the server recovers", async () => {
  const slow = new ScriptedBackend({ answers: { "1": 1 }, delayMs: 300 });
  const server = await startServer({
    port: 0,
    models: new Map<string, ModelBackend>([["small", slow]]),
    strategies: [],
    runStrategy: () => Promise.reject(new Error("unused")),
    concurrency: 1,
    maxWaiting: 1,
  });
  try {
    const send = () =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: ok,
      });
    const responses = await Promise.all([send(), send(), send(), send()]);
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 429, 429]);
    const refused = responses.find((r) => r.status === 429)!;
    assert.equal(refused.headers.get("retry-after"), "1");
    assert.equal((await send()).status, 200);
  } finally {
    await server.close();
  }
});

test("binding beyond loopback without API keys is refused", async () => {
  await assert.rejects(
    startServer({
      host: "0.0.0.0",
      port: 0,
      models: new Map(),
      strategies: [],
      runStrategy: () => Promise.reject(new Error("unused")),
    }),
    /configure API keys/,
  );
});

test("an upstream failure is a 502 with an OpenAI error body", async () => {
  const failing: ModelBackend = {
    id: "broken",
    capabilities: new ScriptedBackend().capabilities,
    generate: async () => {
      const { DeliberateError } = await import("../../src/errors.ts");
      throw new DeliberateError("UPSTREAM", "upstream http://10.9.9.9/v1 answered 500", { status: 500 });
    },
    stream: () => {
      throw new Error("unused");
    },
    close: async () => {},
  };
  const { status, json } = await post(app({}, failing), ok);
  assert.equal(status, 502);
  assert.match(json.error!.message, /answered 500/);
});
