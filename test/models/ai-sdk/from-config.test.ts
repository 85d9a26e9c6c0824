/**
 * A config entry naming an AI SDK provider package and a model id becomes a deliberate backend: here
 * `@ai-sdk/openai-compatible` against a loopback OpenAI-compatible server of our own, driven by
 * self-consistency through the registry. Missing packages, factories and keys are CONFIG errors that
 * name the entry.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DeliberateError } from "../../../src/errors.ts";
import { parseConfig } from "../../../src/models/config.ts";
import { ModelRegistry } from "../../../src/models/registry.ts";
import { solve } from "../../../src/strategies/index.ts";
import { type OpenAIServer, startOpenAIServer } from "../../../src/testing/openai-server.ts";

let server: OpenAIServer;
before(async () => {
  // Every sample answers from its seed: seeds differ per sample, so the answers do too.
  server = await startOpenAIServer({
    responder: ({ body }) => ({
      choices: [{ text: `The answer is \\boxed{${Number(body.seed ?? 0) % 3 === 0 ? 7 : 42}}.` }],
    }),
  });
});
after(async () => {
  await server.close();
});

const entry = (aiSdk: Record<string, unknown>) =>
  parseConfig(JSON.stringify({ models: { remote: { aiSdk } } }), "deliberate.config.yaml");

test("an aiSdk config entry runs strategies through the provider package it names", async () => {
  const registry = new ModelRegistry({
    config: entry({
      package: "@ai-sdk/openai-compatible",
      factory: "createOpenAICompatible",
      settings: { name: "local", baseURL: server.url },
      model: "test-model",
    }),
  });
  try {
    const policy = await registry.get("remote");
    assert.equal(policy.id, "ai-sdk:remote");
    const before = server.requests.length;
    const solution = await solve(
      { messages: [{ role: "user", content: "What is 6 * 7?" }] },
      { strategy: "self-consistency", options: { samples: 5 }, backends: { policy } },
    );
    // One HTTP request per sample, each with its own seed, voted in deliberate.
    const sent = server.requests.slice(before);
    assert.equal(sent.length, 5);
    assert.equal(new Set(sent.map((r) => r.body.seed)).size, 5);
    assert.equal(solution.candidates.length, 5);
    const keys = solution.candidates.map((c) => c.key);
    assert.ok(keys.every((k) => k === "7" || k === "42"));
    const votes = (key: string) => keys.filter((k) => k === key).length;
    assert.equal(solution.key, votes("42") > votes("7") ? "42" : "7");
    assert.equal(solution.usage["ai-sdk:remote"]?.calls, 5);
  } finally {
    await registry.close();
  }
});

test("a missing provider package, factory or key is a CONFIG error naming the entry", async () => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ package: "@ai-sdk/not-installed", model: "m" }, "models.remote.aiSdk.package", /could not be loaded/],
    [
      { package: "@ai-sdk/openai-compatible", factory: "createNothing", model: "m" },
      "models.remote.aiSdk.factory",
      /has no function `createNothing`/,
    ],
    [
      {
        package: "@ai-sdk/openai-compatible",
        factory: "createOpenAICompatible",
        settings: { name: "x", baseURL: "http://127.0.0.1:9/v1" },
        apiKeyEnv: "DELIBERATE_TEST_UNSET_KEY",
        model: "m",
      },
      "models.remote.aiSdk.apiKeyEnv",
      /DELIBERATE_TEST_UNSET_KEY, which is not set/,
    ],
  ];
  for (const [aiSdk, param, message] of cases) {
    const registry = new ModelRegistry({ config: entry(aiSdk) });
    await assert.rejects(
      registry.get("remote"),
      (error) =>
        DeliberateError.isInstance(error) &&
        error.code === "CONFIG" &&
        error.param === param &&
        message.test(error.message),
    );
    await registry.close();
  }
});

test("an aiSdk entry with an unknown field is refused when the config is read", () => {
  assert.throws(
    () => entry({ package: "@ai-sdk/openai-compatible", model: "m", modle: "x" }),
    (error) => DeliberateError.isInstance(error) && error.code === "CONFIG" && /modle/.test(error.message),
  );
});
