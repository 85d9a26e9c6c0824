/**
 * The README's "In the TypeScript AI ecosystem" recipes, as written there (the server's URL and short limits aside), against `deliberate
 * serve` started in-process on loopback (port 0) over a scripted backend whose samples answer 391 or
 * 390 from their seeds: the official `openai` SDK, the AI SDK middleware over an OpenAI-compatible
 * model, the provider, `createOpenAICompatible` against the server's strategy routes, LangChain.js
 * `ChatOpenAI` with `configuration.baseURL`, and curl (skipped, with the reason, where curl is absent).
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ChatOpenAI } from "@langchain/openai";
import { generateText, streamText, wrapLanguageModel } from "ai";
import OpenAI from "openai";
import {
  createDeliberate,
  type DeliberateMetadata,
  deliberateMiddleware,
} from "../../src/integrations/ai-sdk/index.ts";
import type { ModelBackend } from "../../src/models/types.ts";
import { type RunningServer, startServer } from "../../src/server/start-server.ts";
import { runRegisteredStrategy, strategyNames } from "../../src/server/strategy-runner.ts";
import { ScriptedBackend, scriptedTokens } from "../../src/testing/scripted-backend.ts";

let server: RunningServer;
let baseURL: string;
const QUESTION = "What is 17 * 23?";
const render = (answer: string) => `17 * 23 = 17 * 20 + 17 * 3 = 340 + 51. The answer is \\boxed{${answer}}.`;
const TOKENS = scriptedTokens(render("391")).length;

before(async () => {
  const small = new ScriptedBackend({ id: "small", answers: { "391": 0.75, "390": 0.25 }, render });
  server = await startServer({
    port: 0,
    models: new Map<string, ModelBackend>([["small", small]]),
    strategies: strategyNames,
    runStrategy: runRegisteredStrategy,
  });
  baseURL = `${server.url}/v1`;
});

after(async () => {
  await server.close();
});

/** The key with the most votes. */
function leader(votes: Record<string, number>): string {
  return Object.entries(votes).sort((a, b) => b[1] - a[1])[0]![0];
}

test("recipe: the official openai SDK against deliberate serve", async () => {
  const client = new OpenAI({ baseURL, apiKey: "unused" });
  const reply = await client.chat.completions.create({
    model: "self-consistency/small",
    messages: [{ role: "user", content: QUESTION }],
    // @ts-expect-error deliberate's extension field
    deliberate: { samples: 5 },
  });
  assert.match(reply.choices[0]!.message.content ?? "", /\\boxed\{39[01]\}/);
  assert.equal(reply.usage?.completion_tokens, 5 * TOKENS, "usage sums the 5 samples");

  // Streaming: progress as reasoning_content deltas, then the answer.
  // A variable, not a literal, so the extension field passes the SDK's types.
  const streaming = {
    model: "self-consistency/small",
    messages: [{ role: "user" as const, content: QUESTION }],
    stream: true as const,
    deliberate: { samples: 5 },
  };
  const stream = await client.chat.completions.create(streaming);
  let reasoning = "";
  let content = "";
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
    reasoning += delta?.reasoning_content ?? "";
    content += delta?.content ?? "";
  }
  assert.ok(reasoning.length > 0);
  assert.match(content, /\\boxed\{39[01]\}/);
});

test("recipe: the AI SDK middleware over an OpenAI-compatible model", async () => {
  const local = createOpenAICompatible({ name: "local", baseURL });
  const model = wrapLanguageModel({
    model: local("small"),
    middleware: deliberateMiddleware({
      strategy: "self-consistency",
      options: { samples: 8 },
      budget: { maxCalls: 8 },
    }),
  });
  const { text, usage, providerMetadata } = await generateText({ model, prompt: QUESTION });
  const meta = providerMetadata?.deliberate as unknown as DeliberateMetadata;
  assert.equal(
    Object.values(meta.votes).reduce((a, b) => a + b, 0),
    8,
  );
  assert.equal(meta.answer, leader(meta.votes));
  assert.ok(text.includes(`\\boxed{${meta.answer}}`));
  assert.equal(meta.usage["ai-sdk:local.chat:small"]?.calls, 8, "8 HTTP calls, one per sample");
  assert.equal(usage.outputTokens, 8 * TOKENS);
  assert.equal(usage.totalTokens, (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0));

  // The capability error the README quotes.
  const voting = wrapLanguageModel({
    model: local("small"),
    middleware: deliberateMiddleware({ strategy: "confidence-vote" }),
  });
  await assert.rejects(
    generateText({ model: voting, prompt: QUESTION, maxRetries: 0 }),
    /strategy `confidence-vote` needs token logprobs and model `ai-sdk:local.chat:small` has none/,
  );
});

test("recipe: the provider streams progress, then the answer, on builtin:tiny-reasoner", async () => {
  const deliberate = createDeliberate({ config: { models: {}, defaults: {} }, threads: 1 });
  try {
    const result = streamText({
      model: deliberate("builtin:tiny-reasoner", { strategy: "self-consistency", samples: 16 }),
      prompt: "Compute 7+5+9+3+8+6+2.",
      maxOutputTokens: 48,
    });
    let progress = "";
    let answer = "";
    for await (const part of result.fullStream) {
      if (part.type === "reasoning-delta") progress += part.text;
      if (part.type === "text-delta") answer += part.text;
    }
    assert.match(progress, /self-consistency: 16\/16 samples/);
    assert.equal(answer, await result.text);
  } finally {
    await deliberate.close();
  }
});

test("recipe: createOpenAICompatible against deliberate serve, the strategy by model prefix and body field", async () => {
  const served = createOpenAICompatible({ name: "deliberate", baseURL });
  const { text, usage } = await generateText({
    model: served("self-consistency/small"),
    prompt: QUESTION,
    providerOptions: { deliberate: { deliberate: { samples: 5 } } },
  });
  assert.match(text, /\\boxed\{39[01]\}/);
  assert.equal(usage.outputTokens, 5 * TOKENS, "the body field reached the server: 5 samples");

  // streamText shows the server's progress as reasoning.
  const streamed = streamText({
    model: served("self-consistency/small"),
    prompt: QUESTION,
    providerOptions: { deliberate: { deliberate: { samples: 5 } } },
  });
  assert.ok((await streamed.reasoningText)?.length);
  assert.match(await streamed.text, /\\boxed\{39[01]\}/);
});

test("recipe: LangChain.js ChatOpenAI with configuration.baseURL", async () => {
  const chat = new ChatOpenAI({
    model: "self-consistency/small",
    apiKey: "unused",
    configuration: { baseURL },
    modelKwargs: { deliberate: { samples: 5 } },
  });
  const message = await chat.invoke(QUESTION);
  assert.match(String(message.content), /\\boxed\{39[01]\}/);
  assert.equal(message.usage_metadata?.output_tokens, 5 * TOKENS);
});

test("recipe: curl", async (t) => {
  if (spawnSync("curl", ["--version"]).error) {
    t.skip("curl is not installed on this machine");
    console.log("# recipe: curl skipped: curl is not installed on this machine");
    return;
  }
  const body = {
    model: "self-consistency/small",
    messages: [{ role: "user", content: QUESTION }],
    deliberate: { samples: 5 },
  };
  // Asynchronously: the server answering it runs in this process.
  const { stdout } = await promisify(execFile)(
    "curl",
    ["-s", `${baseURL}/chat/completions`, "-H", "content-type: application/json", "-d", JSON.stringify(body)],
    { encoding: "utf8", timeout: 30_000 },
  );
  const reply = JSON.parse(stdout);
  assert.match(reply.choices[0].message.content, /\\boxed\{39[01]\}/);
  assert.equal(reply.usage.completion_tokens, 5 * TOKENS);
});
