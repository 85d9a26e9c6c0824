/**
 * The server through the official `openai` SDK over a real socket: plain completions, streaming, n,
 * and errors surfacing as APIError with the right status.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import type { ModelBackend } from "../../src/models/types.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

let server: RunningServer;
let client: OpenAI;
const small = new ScriptedBackend({ id: "small", answers: { "42": 1 }, defaultLogprob: -0.1 });

before(async () => {
  server = await startServer({
    port: 0,
    models: new Map<string, ModelBackend>([["small", small]]),
    strategies: ["echo-strategy"],
    // One plain completion per run, at most the whole context.
    planStrategy: () => ({ completions: 1, tokens: small.capabilities.contextSize ?? 4096 }),
    runStrategy: async ({ route, messages, trace }) => {
      const [completion] = await route.backends.policy.generate({ messages });
      trace.record("vote", "majority", {
        winner: "42",
        counts: { "42": 1 },
        weights: { "42": 1 },
        share: 1,
        abstained: 0,
        tie: false,
        samples: 1,
      });
      const usage = { promptTokens: 10, completionTokens: 5 };
      return {
        text: completion!.text,
        answer: "42",
        key: "42",
        confidence: 1,
        usage: { small: { calls: 1, ...usage } },
        wallMs: 1,
        traceId: trace.id,
        strategy: "echo-strategy",
        candidates: [{ index: 0, role: "policy", text: completion!.text, answer: "42", key: "42", usage }],
        details: {},
      };
    },
  });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

after(() => server.close());

test("a plain completion keeps the chat history and reports usage", async () => {
  const completion = await client.chat.completions.create({
    model: "small",
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is 6*7?" },
      { role: "assistant", content: "Let me see." },
      { role: "user", content: "Go on." },
    ],
    seed: 3,
  });
  assert.equal(completion.object, "chat.completion");
  assert.match(completion.choices[0]!.message.content ?? "", /\\boxed\{42\}/);
  assert.equal(completion.choices[0]!.finish_reason, "stop");
  assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
  assert.ok((completion.usage?.completion_tokens ?? 0) > 0);
  const sent = small.calls.at(-1)!;
  assert.deepEqual(
    sent.messages?.map((m) => m.role),
    ["system", "user", "assistant", "user"],
  );
  assert.equal(sent.seed, 3);
});

test("n = 3 returns three choices and logprobs when asked", async () => {
  const completion = await client.chat.completions.create({
    model: "small",
    messages: [{ role: "user", content: "hi" }],
    n: 3,
    logprobs: true,
    top_logprobs: 2,
  });
  assert.deepEqual(
    completion.choices.map((c) => c.index),
    [0, 1, 2],
  );
  const tokens = completion.choices[0]!.logprobs?.content ?? [];
  assert.ok(tokens.length > 0);
  assert.ok(tokens.every((t) => t.logprob <= 0));
});

test("streaming yields role, content deltas, finish_reason and usage, then ends", async () => {
  const stream = await client.chat.completions.create({
    model: "small",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? "";
      finish = choice.finish_reason ?? finish;
    }
  }
  assert.match(text, /\\boxed\{42\}/);
  assert.equal(finish, "stop");
  assert.ok(chunks >= 3, `expected several chunks, got ${chunks}`);
  assert.ok((usage?.completion_tokens ?? 0) > 0);
});

test("a strategy chosen by prefix and by body field returns the trace id", async () => {
  const byPrefix = await client.chat.completions
    .create({ model: "echo-strategy/small", messages: [{ role: "user", content: "q" }] })
    .withResponse();
  const traceId = byPrefix.response.headers.get("x-deliberate-trace");
  assert.ok(traceId);
  assert.equal(
    (byPrefix.data as unknown as { deliberate: { trace_id: string } }).deliberate.trace_id,
    traceId,
  );
  assert.equal(byPrefix.data.usage?.prompt_tokens, 10);
  const byBody = await client.chat.completions.create({
    model: "small",
    messages: [{ role: "user", content: "q" }],
    // @ts-expect-error the extension field is ours
    deliberate: { strategy: "echo-strategy" },
  });
  assert.equal(
    (byBody as unknown as { deliberate: { strategy: string } }).deliberate.strategy,
    "echo-strategy",
  );
  const trace = (await fetch(`${server.url}/api/traces/${traceId}`).then((r) => r.json())) as {
    trace: { nodes: { kind: string }[] };
  };
  assert.ok(trace.trace.nodes.some((n: { kind: string }) => n.kind === "vote"));
});

test("errors surface as APIError with the right status", async () => {
  const status = async (body: Record<string, unknown>) => {
    try {
      await client.chat.completions.create(body as never);
      return 200;
    } catch (error) {
      assert.ok(error instanceof OpenAI.APIError);
      assert.ok(error.error, "the body has an error object");
      return error.status;
    }
  };
  assert.equal(await status({ model: "nope", messages: [{ role: "user", content: "x" }] }), 404);
  assert.equal(
    await status({ model: "bogus-strategy/small", messages: [{ role: "user", content: "x" }] }),
    404,
  );
  assert.equal(await status({ model: "small", messages: [] }), 400);
  assert.equal(await status({ model: "small", messages: [{ role: "user", content: "x" }], n: 0 }), 400);
  assert.equal(
    await status({ model: "small", messages: [{ role: "user", content: "x" }], temperature: -1 }),
    400,
  );
  // The server keeps serving.
  assert.equal(await status({ model: "small", messages: [{ role: "user", content: "x" }] }), 200);
});

test("/v1/models lists each model plain and with each strategy prefix", async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids.sort(), ["echo-strategy/small", "small"]);
});
