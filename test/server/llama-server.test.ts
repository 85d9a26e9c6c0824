/**
 * The server over real llama.cpp on a tiny GGUF: plain and strategy requests through the official SDK,
 * a disconnect mid-stream freeing its generations (seen in /metrics), and a bounded load test.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { createLlamaBackend } from "../../src/models/llama/llama-backend.ts";
import type { ModelBackend } from "../../src/models/types.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { runRegisteredStrategy, strategyNames } from "../../src/server/strategy-runner.ts";
import { tinyModelPath } from "../helpers/tiny-model.ts";

let server: RunningServer;
let client: OpenAI;
let backend: ModelBackend;

before(async () => {
  backend = await createLlamaBackend({ model: await tinyModelPath(), threads: 1, contextSize: 256 });
  server = await startServer({
    port: 0,
    models: new Map([["tiny", backend]]),
    strategies: strategyNames,
    runStrategy: runRegisteredStrategy,
    concurrency: 128,
  });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

after(async () => {
  await server.close();
  await backend.close();
});

async function inFlight(): Promise<number> {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  const line = text.split("\n").find((l) => l.startsWith('deliberate_backend_in_flight{backend="llama:'));
  assert.ok(line, "the backend gauge is exported");
  return Number(line.split(" ").pop());
}

test("a plain completion and a self-consistency request run on llama.cpp", async () => {
  const plain = await client.chat.completions.create({
    model: "tiny",
    messages: [{ role: "user", content: "2+2?" }],
    max_tokens: 8,
    seed: 1,
  });
  assert.ok(plain.choices[0]!.message.content !== null);
  assert.ok((plain.usage?.prompt_tokens ?? 0) > 0);
  assert.ok((plain.usage?.completion_tokens ?? 0) > 0);

  const voted = await client.chat.completions
    .create({
      model: "self-consistency/tiny",
      messages: [{ role: "user", content: "2+2?" }],
      max_tokens: 8,
      // @ts-expect-error our extension field
      deliberate: { samples: 3 },
    })
    .withResponse();
  const traceId = voted.response.headers.get("x-deliberate-trace")!;
  const { trace } = (await fetch(`${server.url}/api/traces/${traceId}`).then((r) => r.json())) as {
    trace: { nodes: Array<{ kind: string; data: Record<string, unknown> }> };
  };
  const generated = trace.nodes
    .filter((n) => n.kind === "generate")
    .reduce((sum, n) => sum + ((n.data.completions as unknown[]) ?? []).length, 0);
  assert.equal(generated, 3, "three samples drawn");
  assert.ok(trace.nodes.some((n) => n.kind === "vote"));
  assert.ok((voted.data.usage?.completion_tokens ?? 0) > 0);
});

test("a client that disconnects mid-stream frees its generations", async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    // Seed 7: both samples run the full 200 tokens here, so neither can end on its own before the abort.
    {
      model: "tiny",
      messages: [{ role: "user", content: "talk" }],
      max_tokens: 200,
      stream: true,
      n: 2,
      seed: 7,
    },
    { signal: controller.signal },
  );
  let chunks = 0;
  try {
    for await (const _ of stream) {
      if (++chunks === 3) {
        assert.equal(await inFlight(), 2, "two samples in flight mid-stream");
        controller.abort();
      }
    }
  } catch (error) {
    assert.match(String(error), /abort/i);
  }
  assert.ok(chunks < 50, `the stream stopped after the abort (${chunks} chunks)`);
  for (let i = 0; i < 100 && (await inFlight()) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await inFlight(), 0);
  const [latest] = (await fetch(`${server.url}/api/requests`).then((r) => r.json())) as Array<{
    traceId: string;
  }>;
  const { trace } = (await fetch(`${server.url}/api/traces/${latest!.traceId}`).then((r) => r.json())) as {
    trace: { nodes: Array<{ kind: string; data: { completions?: Array<{ finishReason: string }> } }> };
  };
  const reasons = trace.nodes.flatMap((n) => n.data.completions ?? []).map((c) => c.finishReason);
  assert.deepEqual(reasons, ["abort", "abort"], "both generations were cut short, not run to the end");
  // The freed sequences are usable: the next request completes.
  const next = await client.chat.completions.create({
    model: "tiny",
    messages: [{ role: "user", content: "again" }],
    max_tokens: 4,
  });
  assert.equal(next.choices.length, 1);
});

test("100 concurrent streaming requests: zero errors, nothing leaked", async () => {
  const one = async (i: number) => {
    const stream = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: `request ${i}` }],
      max_tokens: 6,
      seed: i,
      stream: true,
    });
    let finish: string | null = null;
    for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
    return finish;
  };
  const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => one(i)));
  const failures = results.filter((r) => r.status === "rejected");
  assert.equal(failures.length, 0, String((failures[0] as PromiseRejectedResult | undefined)?.reason));
  assert.ok(results.every((r) => r.status === "fulfilled" && (r.value === "length" || r.value === "stop")));
  assert.equal(await inFlight(), 0);
  const health = (await fetch(`${server.url}/health`).then((r) => r.json())) as {
    in_flight: number;
    queued: number;
  };
  assert.equal(health.in_flight, 0);
  assert.equal(health.queued, 0);
});
