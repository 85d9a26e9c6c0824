import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAIBackend } from "../../../src/models/openai/index.ts";
import { type OpenAIServer, startOpenAIServer } from "../../../src/testing/openai-server.ts";

const servers: OpenAIServer[] = [];
const down = new Set<number>();

before(async () => {
  for (let i = 0; i < 3; i++) {
    servers.push(
      await startOpenAIServer({
        responder: () => (down.has(i) ? { fault: "destroy" } : { choices: [{ text: `from ${i}` }] }),
      }),
    );
  }
});
after(() => Promise.all(servers.map((server) => server.close())));

const question = (i: number) => ({ messages: [{ role: "user" as const, content: `question number ${i}` }] });

test("a dying endpoint in a pool of three: traffic moves to the healthy two, then it is re-admitted", async () => {
  // The pool's clock is ours, so the cool-down cannot run out early on a slow machine.
  let now = 0;
  const backend = createOpenAIBackend({
    model: "m",
    baseURLs: servers.map((server) => server.url),
    maxRetries: 2,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 2,
    ejectAfterFailures: 2,
    ejectionCooldownMs: 60_000,
    now: () => now,
  });
  const served = () => servers.map((server) => server.requests.length);

  // Healthy: the prompts spread over all three endpoints.
  for (let i = 0; i < 30; i++) await backend.generate(question(i));
  assert.ok(
    served().every((count) => count > 0),
    `all three served: ${served()}`,
  );

  down.add(1);
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => backend.generate(question(100 + i))),
  );
  assert.ok(
    results.every(([completion]) => completion.text !== "from 1" && completion.finishReason === "stop"),
    "every request succeeded on a healthy endpoint",
  );
  const ejected = backend.endpoints().find((endpoint) => endpoint.url === servers[1].url)!;
  assert.equal(ejected.health, "ejected");

  // During the cool-down the dead endpoint gets nothing, even for prompts that prefer it.
  const before = served()[1];
  for (let i = 0; i < 20; i++) await backend.generate(question(200 + i));
  assert.equal(served()[1], before, "no traffic to the ejected endpoint during its cool-down");

  // It comes back; after the cool-down a probe re-admits it and it serves its share again.
  down.delete(1);
  now += 60_000;
  const texts = [];
  for (let i = 0; i < 30; i++) texts.push((await backend.generate(question(i)))[0].text);
  assert.ok(texts.includes("from 1"), "the re-admitted endpoint serves again");
  assert.equal(backend.endpoints().find((endpoint) => endpoint.url === servers[1].url)!.health, "healthy");
});

test("completions say which endpoint of the pool served them", async () => {
  const backend = createOpenAIBackend({ model: "m", baseURLs: servers.map((server) => server.url) });
  for (let i = 0; i < 10; i++) {
    const [completion] = await backend.generate(question(i));
    const index = Number(completion.text.split(" ")[1]);
    assert.equal(completion.endpoint, servers[index].url);
  }
});
