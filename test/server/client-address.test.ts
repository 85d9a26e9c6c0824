/**
 * Keyless clients are told apart by their socket address; `X-Forwarded-For` counts only behind
 * reverse proxies the operator names (`trustProxy`), and then only the entries those proxies wrote.
 * Spoofing the header must not buy a fresh rate-limit bucket.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelBackend } from "../../src/models/types.ts";
import { createApp } from "../../src/server/app.ts";
import { startServer } from "../../src/server/start-server.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

const body = JSON.stringify({ model: "small", messages: [{ role: "user", content: "hi" }], max_tokens: 4 });

function app(trustProxy?: number) {
  return createApp({
    models: new Map<string, ModelBackend>([["small", new ScriptedBackend({ answers: { "1": 1 } })]]),
    strategies: [],
    runStrategy: () => Promise.reject(new Error("unused")),
    rateLimitPerMinute: 1,
    trustProxy,
  }).app;
}

/** A request as it arrives from `socket` (what @hono/node-server puts in the env) with these headers. */
async function from(target: ReturnType<typeof app>, socket: string, forwardedFor?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (forwardedFor !== undefined) headers["x-forwarded-for"] = forwardedFor;
  const response = await target.request(
    "/v1/chat/completions",
    { method: "POST", headers, body },
    { incoming: { socket: { remoteAddress: socket } } },
  );
  return response.status;
}

test("without trusted proxies X-Forwarded-For is ignored: a spoofed header shares the socket's bucket", async () => {
  const target = app();
  assert.equal(await from(target, "198.51.100.1", "10.0.0.1"), 200);
  assert.equal(await from(target, "198.51.100.1", "10.0.0.2"), 429, "a new header value bought a new bucket");
  assert.equal(await from(target, "198.51.100.1"), 429);
  assert.equal(
    await from(target, "198.51.100.2", "10.0.0.1"),
    200,
    "another socket address is another client",
  );
});

test("behind one trusted proxy the client is the address it appended; earlier entries are the client's own", async () => {
  const target = app(1);
  const proxy = "127.0.0.1";
  assert.equal(await from(target, proxy, "203.0.113.7"), 200);
  assert.equal(await from(target, proxy, "203.0.113.8"), 200, "two clients behind the proxy");
  assert.equal(
    await from(target, proxy, "spoofed-1, 203.0.113.7"),
    429,
    "a spoofed left entry changed the client",
  );
  assert.equal(await from(target, proxy, "spoofed-2, 203.0.113.7"), 429);
  // A request that reached us without the header is the proxy's own (or came around it).
  assert.equal(await from(target, proxy), 200);
  assert.equal(await from(target, proxy), 429);
});

test("behind two trusted proxies the client is the second entry from the right", async () => {
  const target = app(2);
  assert.equal(await from(target, "127.0.0.1", "spoofed, 203.0.113.9, 10.1.1.1"), 200);
  assert.equal(await from(target, "127.0.0.1", "other-spoof, 203.0.113.9, 10.1.1.2"), 429);
});

test("over a real socket the address comes from the connection", async () => {
  const server = await startServer({
    port: 0,
    models: new Map<string, ModelBackend>([["small", new ScriptedBackend({ answers: { "1": 1 } })]]),
    strategies: [],
    runStrategy: () => Promise.reject(new Error("unused")),
    rateLimitPerMinute: 1,
  });
  try {
    const send = (forwardedFor: string) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body,
      }).then((r) => r.status);
    assert.equal(await send("10.0.0.1"), 200);
    assert.equal(await send("10.0.0.2"), 429);
  } finally {
    await server.close();
  }
});

test("trustProxy must be a whole number of proxies", () => {
  assert.throws(() => app(-1), /`trustProxy` must be an integer >= 0/);
  assert.throws(() => app(1.5), /`trustProxy` must be an integer >= 0/);
});
