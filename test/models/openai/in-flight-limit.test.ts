import assert from "node:assert/strict";
import { test } from "node:test";
import { createOpenAIBackend } from "../../../src/models/openai/index.ts";
import { startOpenAIServer } from "../../../src/testing/openai-server.ts";

const question = (i: number) => ({ messages: [{ role: "user" as const, content: `q${i}` }] });

test("no endpoint ever has more than maxInFlightPerEndpoint requests at once", async () => {
  const server = await startOpenAIServer({ responder: () => ({ choices: [{ text: "ok" }], delayMs: 150 }) });
  try {
    const backend = createOpenAIBackend({ model: "m", baseURL: server.url, maxInFlightPerEndpoint: 2 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => backend.generate(question(i))));
    assert.equal(results.length, 8);
    assert.equal(server.requests.length, 8);
    assert.equal(server.maxInFlight, 2);
    assert.equal(backend.endpoints()[0].inFlight, 0);
  } finally {
    await server.close();
  }
});

test("a pool uses every endpoint's slots when the preferred one is full", async () => {
  const servers = await Promise.all(
    [0, 1, 2].map(() =>
      startOpenAIServer({ responder: () => ({ choices: [{ text: "ok" }], delayMs: 150 }) }),
    ),
  );
  try {
    const backend = createOpenAIBackend({
      model: "m",
      baseURLs: servers.map((server) => server.url),
      maxInFlightPerEndpoint: 2,
    });
    // One shared prompt: all prefer the same endpoint, so overflow must go elsewhere.
    await Promise.all(Array.from({ length: 6 }, () => backend.generate(question(0))));
    assert.deepEqual(
      servers.map((server) => server.maxInFlight),
      [2, 2, 2],
    );
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
});

test("fan-out samples share the limit too", async () => {
  const server = await startOpenAIServer({ responder: () => ({ choices: [{ text: "ok" }], delayMs: 150 }) });
  try {
    const backend = createOpenAIBackend({
      model: "m",
      baseURL: server.url,
      nativeN: false,
      maxInFlightPerEndpoint: 3,
    });
    const completions = await backend.generate({ ...question(1), n: 7 });
    assert.equal(completions.length, 7);
    assert.equal(server.maxInFlight, 3);
  } finally {
    await server.close();
  }
});
