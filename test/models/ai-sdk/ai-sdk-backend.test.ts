/**
 * `aiSdkBackend`: an AI SDK model as a ModelBackend — `n` as parallel calls each with `seed + i`,
 * finish reasons and usage mapped, unsupported settings as warnings, logprobs through an adapter,
 * aborts resolving as `abort`, failures as one DeliberateError, and `stream()` from V3 stream parts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../../src/errors.ts";
import { aiSdkBackend, openaiLogprobs } from "../../../src/models/ai-sdk/index.ts";
import type { Completion, StreamEvent } from "../../../src/models/types.ts";
import { hangingModel, scriptedModel } from "./mock-model.ts";

const messages = [{ role: "user" as const, content: "What is 2 + 2?" }];

test("n samples are n doGenerate calls, sample i with seed + i, in index order", async () => {
  const model = scriptedModel({ answer: (call, options) => `answer ${call} seed ${options.seed}` });
  const backend = aiSdkBackend(model);
  assert.equal(backend.id, "ai-sdk:mock-provider:mock-model");
  assert.equal(backend.capabilities.nativeN, false);
  const completions = await backend.generate({ messages, n: 4, seed: 100, temperature: 0.7, maxTokens: 32 });
  assert.equal(model.doGenerateCalls.length, 4);
  assert.deepEqual(
    model.doGenerateCalls.map((c) => c.seed),
    [100, 101, 102, 103],
  );
  assert.deepEqual(
    completions.map((c) => [c.index, c.seed]),
    [
      [0, 100],
      [1, 101],
      [2, 102],
      [3, 103],
    ],
  );
  const first = model.doGenerateCalls[0]!;
  assert.equal(first.temperature, 0.7);
  assert.equal(first.maxOutputTokens, 32);
  assert.deepEqual(first.prompt, [{ role: "user", content: [{ type: "text", text: "What is 2 + 2?" }] }]);
  assert.equal(completions[0]!.text, "answer 0 seed 100");
  assert.deepEqual(completions[0]!.usage, { promptTokens: 10, completionTokens: 4 });
  assert.equal(completions[0]!.finishReason, "stop");
  assert.equal(completions[0]!.rawFinishReason, "stop");
});

test("finish reasons map to ours with the raw one kept; a content filter is an error", async () => {
  const finishes = [
    { unified: "length", raw: "max_tokens" },
    { unified: "content-filter", raw: "content_filter" },
    { unified: "tool-calls", raw: undefined },
    { unified: "other", raw: "weird" },
  ] as const;
  const model = scriptedModel({ answer: (call) => ({ text: "x", finish: finishes[call]! }) });
  const completions = await aiSdkBackend(model).generate({ messages, n: 4 });
  assert.deepEqual(
    completions.map((c) => [c.finishReason, c.rawFinishReason]),
    [
      ["length", "max_tokens"],
      ["error", "content_filter"],
      ["stop", "tool-calls"],
      ["stop", "weird"],
    ],
  );
  assert.match(completions[1]!.error ?? "", /content filter/);
});

test("settings the AI SDK cannot carry are warnings, not silence", async () => {
  const model = scriptedModel({ answer: () => "4" });
  const [completion] = await aiSdkBackend(model).generate({
    messages,
    minP: 0.1,
    logprobs: 2,
    assistantPrefix: "The answer is",
  });
  const warnings = completion!.warnings ?? [];
  assert.ok(
    warnings.some((w) => w.includes("minP")),
    warnings.join("; "),
  );
  assert.ok(warnings.some((w) => w.includes("logprobs are not supported")));
  assert.ok(warnings.some((w) => w.includes("assistantPrefix")));
  // Without prefill the prefix is not sent as an assistant message.
  assert.equal(model.doGenerateCalls[0]!.prompt.length, 1);
});

test("with prefill the prefix is a trailing assistant message", async () => {
  const model = scriptedModel({ answer: () => " 4" });
  const backend = aiSdkBackend(model, { prefill: true });
  assert.equal(backend.capabilities.prefill, true);
  await backend.generate({ messages, assistantPrefix: "The answer is" });
  assert.deepEqual(model.doGenerateCalls[0]!.prompt.at(-1), {
    role: "assistant",
    content: [{ type: "text", text: "The answer is" }],
  });
});

test("a logprobs adapter asks the provider for them and reads them back", async () => {
  const model = scriptedModel({
    answer: () => ({
      text: "4",
      providerMetadata: {
        openai: { logprobs: [{ token: "4", logprob: -0.1, top_logprobs: [{ token: "4", logprob: -0.1 }] }] },
      },
    }),
  });
  const backend = aiSdkBackend(model, { logprobs: openaiLogprobs });
  assert.equal(backend.capabilities.logprobs, true);
  const [completion] = await backend.generate({ messages, logprobs: 1 });
  assert.deepEqual(model.doGenerateCalls[0]!.providerOptions, { openai: { logprobs: 1 } });
  assert.deepEqual(completion!.logprobs, [
    { token: "4", logprob: -0.1, top: [{ token: "4", logprob: -0.1 }] },
  ]);
});

test("an abort reaches every call as abortSignal and resolves as `abort` completions", async () => {
  const hanging = hangingModel();
  const controller = new AbortController();
  const done = aiSdkBackend(hanging.model).generate({ messages, n: 3, signal: controller.signal });
  await hanging.whenInFlight(3);
  controller.abort();
  const completions = await done;
  assert.deepEqual(
    completions.map((c) => c.finishReason),
    ["abort", "abort", "abort"],
  );
  assert.equal(hanging.inFlight, 0);
});

test("one failed sample is an error completion; all failed is a DeliberateError with the status", async () => {
  let calls = 0;
  const failing = scriptedModel({ answer: () => "4" });
  failing.doGenerate = async () => {
    calls++;
    throw Object.assign(new Error("rate limited"), { statusCode: 429, isRetryable: true });
  };
  const noRetries = aiSdkBackend(failing, { retry: { maxRetries: 0 } });
  await assert.rejects(noRetries.generate({ messages, n: 2 }), (error: unknown) => {
    assert.ok(DeliberateError.isInstance(error));
    assert.equal(error.code, "RATE_LIMITED");
    assert.equal(error.status, 429);
    assert.equal(error.retryable, true);
    return true;
  });
  assert.equal(calls, 2);

  const model = scriptedModel({ answer: () => "4" });
  const generate = model.doGenerate.bind(model);
  let call = 0;
  model.doGenerate = (options) => (call++ === 1 ? Promise.reject(new Error("boom")) : generate(options));
  const completions = await aiSdkBackend(model).generate({ messages, n: 3 });
  assert.deepEqual(
    completions.map((c: Completion) => c.finishReason),
    ["stop", "error", "stop"],
  );
  assert.match(completions[1]!.error ?? "", /boom/);
});

test("stream() maps text deltas per sample, then each finished completion", async () => {
  const model = scriptedModel({ answer: (call) => `sample ${call} says 4` });
  const events: StreamEvent[] = [];
  for await (const event of aiSdkBackend(model).stream({ messages, n: 2, seed: 5 })) events.push(event);
  assert.deepEqual(
    model.doStreamCalls.map((c) => c.seed),
    [5, 6],
  );
  const done = events.flatMap((e) => (e.type === "done" ? [e.completion] : []));
  assert.equal(done.length, 2);
  for (const completion of done) {
    const deltas = events
      .flatMap((e) => (e.type === "delta" && e.index === completion.index ? [e.text] : []))
      .join("");
    assert.equal(deltas, completion.text);
    assert.equal(completion.text, `sample ${completion.index} says 4`);
    assert.deepEqual(completion.usage, { promptTokens: 10, completionTokens: 4 });
    assert.equal(completion.finishReason, "stop");
    assert.equal(typeof completion.timings.firstTokenMs, "number");
  }
});

test("a retryable failure is retried with the provider's Retry-After; others are not", async () => {
  const model = scriptedModel({ answer: () => "4" });
  const generate = model.doGenerate.bind(model);
  let calls = 0;
  model.doGenerate = (options) => {
    calls++;
    if (calls === 1) {
      const overloaded = Object.assign(new Error("overloaded"), {
        statusCode: 503,
        isRetryable: true,
        responseHeaders: { "retry-after-ms": "0" },
      });
      return Promise.reject(overloaded);
    }
    return generate(options);
  };
  const [completion] = await aiSdkBackend(model).generate({ messages });
  assert.equal(calls, 2);
  assert.equal(completion!.text, "4");

  let refused = 0;
  const bad = scriptedModel({ answer: () => "4" });
  bad.doGenerate = () => {
    refused++;
    return Promise.reject(Object.assign(new Error("bad request"), { statusCode: 400, isRetryable: false }));
  };
  await assert.rejects(
    aiSdkBackend(bad, { retry: { baseDelayMs: 0 } }).generate({ messages }),
    /bad request/,
  );
  assert.equal(refused, 1);
});
