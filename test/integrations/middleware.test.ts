/**
 * `deliberateMiddleware` through the real AI SDK: `generateText` and `streamText` over
 * `wrapLanguageModel` and the AI SDK's own MockLanguageModelV3 answering from a script, so the
 * majority, the usage and the seeds are known. Aborting a stream stops every call in flight; a
 * strategy that needs what the model lacks fails before any call, naming it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { generateText, streamText, wrapLanguageModel } from "ai";
import { DeliberateError } from "../../src/errors.ts";
import {
  type DeliberateMetadata,
  deliberateMiddleware,
  openaiLogprobs,
} from "../../src/integrations/ai-sdk/index.ts";
import { hangingModel, scriptedModel, wordCount } from "../models/ai-sdk/mock-model.ts";

const boxed = (answer: string) => `Let me think. The answer is \\boxed{${answer}}.`;
/** Eight samples: 4 wins with five votes. */
const ANSWERS = ["4", "5", "4", "4", "6", "4", "5", "4"];

function majorityModel() {
  return scriptedModel({ answer: (call) => boxed(ANSWERS[call % ANSWERS.length]!) });
}

test("generateText: the majority answer, usage summed over every call, seeds per sample, the evidence in providerMetadata", async () => {
  const mock = majorityModel();
  const model = wrapLanguageModel({
    model: mock,
    middleware: deliberateMiddleware({ strategy: "self-consistency", options: { samples: 8 } }),
  });
  const result = await generateText({ model, prompt: "What is 2 + 2?", seed: 3 });
  assert.equal(result.text, boxed("4"));
  assert.equal(mock.doGenerateCalls.length, 8);
  assert.equal(new Set(mock.doGenerateCalls.map((c) => c.seed)).size, 8, "each sample its own seed");
  assert.equal(result.usage.inputTokens, 8 * 10);
  assert.equal(result.usage.outputTokens, 8 * wordCount(boxed("4")));
  const meta = result.providerMetadata?.deliberate as unknown as DeliberateMetadata;
  assert.equal(meta.strategy, "self-consistency");
  assert.equal(meta.answer, "4");
  assert.equal(meta.key, "4");
  assert.equal(meta.confidence, 5 / 8);
  assert.deepEqual(meta.votes, { "4": 5, "5": 2, "6": 1 });
  assert.equal(meta.candidates, 8);
  assert.equal(meta.roles.policy, "ai-sdk:mock-provider:mock-model");
  assert.equal(meta.usage["ai-sdk:mock-provider:mock-model"]?.calls, 8);
  assert.match(meta.traceId, /^[0-9a-f-]{36}$/);
  assert.equal(result.response.id, meta.traceId);
});

test("the same seed gives the same sample seeds; the call's maxOutputTokens reaches every sample", async () => {
  const seedsOf = async (seed: number) => {
    const mock = majorityModel();
    const model = wrapLanguageModel({
      model: mock,
      middleware: deliberateMiddleware({ strategy: "self-consistency", options: { samples: 4 } }),
    });
    await generateText({ model, prompt: "What is 2 + 2?", seed, maxOutputTokens: 77 });
    assert.ok(mock.doGenerateCalls.every((c) => c.maxOutputTokens === 77));
    return mock.doGenerateCalls.map((c) => c.seed);
  };
  assert.deepEqual(await seedsOf(1), await seedsOf(1));
  assert.notDeepEqual(await seedsOf(1), await seedsOf(2));
});

test("streamText: progress as reasoning (samples done, the leader), then the answer and summed usage", async () => {
  const mock = majorityModel();
  const model = wrapLanguageModel({
    model: mock,
    middleware: deliberateMiddleware({ strategy: "self-consistency", options: { samples: 8 } }),
  });
  const result = streamText({ model, prompt: "What is 2 + 2?" });
  const order: string[] = [];
  let reasoning = "";
  let text = "";
  for await (const part of result.fullStream) {
    if (part.type === "reasoning-delta") reasoning += part.text;
    if (part.type === "text-delta") text += part.text;
    if (part.type === "error") throw part.error;
    if (order.at(-1) !== part.type) order.push(part.type);
  }
  assert.equal(text, boxed("4"));
  const lines = reasoning.trim().split("\n");
  assert.ok(lines.length >= 2, reasoning);
  assert.match(lines[0]!, /^self-consistency: \d+\/8 samples/);
  assert.match(lines.at(-1)!, /^self-consistency: 8\/8 samples · vote 4 \(5 of 8\)/);
  // Progress comes before the answer.
  assert.ok(order.indexOf("reasoning-delta") < order.indexOf("text-delta"), order.join(" "));
  const usage = await result.usage;
  assert.equal(usage.inputTokens, 80);
  assert.equal(usage.outputTokens, 8 * wordCount(boxed("4")));
  const meta = (await result.providerMetadata)?.deliberate as unknown as DeliberateMetadata;
  assert.deepEqual(meta.votes, { "4": 5, "5": 2, "6": 1 });
});

test("aborting streamText mid-solve stops every underlying call", async () => {
  const hanging = hangingModel();
  const model = wrapLanguageModel({
    model: hanging.model,
    middleware: deliberateMiddleware({ strategy: "self-consistency", options: { samples: 8 } }),
  });
  const controller = new AbortController();
  const result = streamText({
    model,
    prompt: "What is 2 + 2?",
    abortSignal: controller.signal,
    onError: () => {},
  });
  const consumed = (async () => {
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    return parts;
  })();
  await hanging.whenInFlight(8);
  controller.abort();
  const parts = await consumed;
  assert.ok(parts.includes("abort") || parts.includes("error"), parts.join(" "));
  assert.equal(hanging.started, 8);
  assert.equal(hanging.inFlight, 0, "no call is left running");
});

test("cancelling the stream's reader stops every underlying call too", async () => {
  const hanging = hangingModel();
  const model = wrapLanguageModel({
    model: hanging.model,
    middleware: deliberateMiddleware({ strategy: "self-consistency", options: { samples: 4 } }),
  });
  const { stream } = await model.doStream({
    prompt: [{ role: "user", content: [{ type: "text", text: "2+2?" }] }],
  });
  const reader = stream.getReader();
  await hanging.whenInFlight(4);
  await reader.cancel();
  // The aborted calls settle on the next turns of the event loop.
  while (hanging.inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(hanging.inFlight, 0);
});

test("a strategy needing logprobs on a model without them fails before any call, naming the capability", async () => {
  const mock = majorityModel();
  const model = wrapLanguageModel({
    model: mock,
    middleware: deliberateMiddleware({ strategy: "confidence-vote", options: { samples: 4 } }),
  });
  await assert.rejects(generateText({ model, prompt: "What is 2 + 2?", maxRetries: 0 }), (error: unknown) => {
    assert.ok(DeliberateError.isInstance(error), String(error));
    assert.equal(error.code, "BAD_REQUEST");
    assert.match(error.message, /strategy `confidence-vote` needs token logprobs/);
    assert.match(error.message, /ai-sdk:mock-provider:mock-model/);
    return true;
  });
  assert.equal(mock.doGenerateCalls.length, 0);

  // streamText reports the same error as its error part.
  const streamed = streamText({ model, prompt: "What is 2 + 2?", onError: () => {} });
  let failure: unknown;
  for await (const part of streamed.fullStream) if (part.type === "error") failure = part.error;
  assert.ok(DeliberateError.isInstance(failure));
  assert.match(failure.message, /needs token logprobs/);
});

test("prefill, score() and a missing large model are named too", async () => {
  const cases: Array<[Parameters<typeof deliberateMiddleware>[0], RegExp]> = [
    [{ strategy: "beam" }, /strategy `beam` needs prefill/],
    [{ strategy: "mcts" }, /strategy `mcts` needs prefill/],
    [{ strategy: "best-of-n", options: { verifier: "reward" } }, /needs score\(\)/],
    [{ strategy: "cascade" }, /strategy `cascade` needs a `large` model/],
    [
      { strategy: "self-consistency", options: { inner: "confidence-vote" } },
      /`confidence-vote` needs token logprobs/,
    ],
  ];
  for (const [options, message] of cases) {
    const model = wrapLanguageModel({ model: majorityModel(), middleware: deliberateMiddleware(options) });
    await assert.rejects(generateText({ model, prompt: "2+2?", maxRetries: 0 }), message);
  }
});

const SURE = [
  { token: "x", logprob: -0.01 },
  { token: "y", logprob: -8 },
  { token: "z", logprob: -9 },
];
const UNSURE = [
  { token: "x", logprob: -0.7 },
  { token: "y", logprob: -0.8 },
  { token: "z", logprob: -2 },
];

test("with a logprobs adapter confidence-vote runs over the model's logprobs", async () => {
  const mock = scriptedModel({
    answer: (call) => ({
      text: boxed(call % 2 === 0 ? "4" : "5"),
      // DeepConf's token confidence is the mean -logprob of the top alternatives: the "4" traces put
      // their mass on one token (confident), the "5" traces spread it (unsure).
      providerMetadata: {
        openai: { logprobs: [{ token: "x", logprob: -0.01, top_logprobs: call % 2 === 0 ? SURE : UNSURE }] },
      },
    }),
  });
  const model = wrapLanguageModel({
    model: mock,
    middleware: deliberateMiddleware({
      strategy: "confidence-vote",
      options: { samples: 6 },
      logprobs: openaiLogprobs,
    }),
  });
  const result = await generateText({ model, prompt: "What is 2 + 2?" });
  const meta = result.providerMetadata?.deliberate as unknown as DeliberateMetadata;
  assert.equal(meta.strategy, "confidence-vote");
  assert.equal((meta.details as { logprobs: boolean }).logprobs, true);
  assert.equal(meta.key, "4");
  assert.ok(mock.doGenerateCalls.every((c) => c.providerOptions?.openai?.logprobs !== undefined));
});

test("cascade with a large AI SDK model escalates when the small samples disagree", async () => {
  const small = scriptedModel({ modelId: "small", answer: (call) => boxed(String(call % 4)) });
  const large = scriptedModel({ modelId: "large", answer: () => boxed("4") });
  const model = wrapLanguageModel({
    model: small,
    middleware: deliberateMiddleware({ strategy: "cascade", options: { samples: 4 }, large }),
  });
  const result = await generateText({ model, prompt: "What is 2 + 2?" });
  const meta = result.providerMetadata?.deliberate as unknown as DeliberateMetadata;
  assert.equal(meta.escalated, true);
  assert.equal(meta.key, "4");
  assert.equal(meta.roles.large, "ai-sdk:mock-provider:large");
  assert.equal(result.usage.inputTokens, 5 * 10);
});
