/**
 * `createDeliberate()` through the real AI SDK over real llama.cpp: `builtin:tiny-reasoner` with
 * self-consistency in `generateText` and `streamText`, and confidence-vote on a random-weight tiny
 * GGUF, whose logprobs generic AI SDK providers cannot give. Shapes and counts only: no assertion
 * depends on which tokens a model samples.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { generateText, streamText } from "ai";
import { DeliberateError } from "../../src/errors.ts";
import {
  createDeliberate,
  type DeliberateMetadata,
  type DeliberateProvider,
} from "../../src/integrations/ai-sdk/index.ts";
import { tinyModelPath } from "../helpers/tiny-model.ts";

let deliberate: DeliberateProvider;
let tiny: string;

before(async () => {
  tiny = await tinyModelPath();
  // No config file is read: an empty config, one llama.cpp thread, short contexts.
  deliberate = createDeliberate({ config: { models: {}, defaults: {} }, threads: 1, contextSize: 256 });
});

after(async () => {
  await deliberate.close();
});

const QUESTION = "Compute 7+5+9+3+8+6+2.";

function metadataOf(providerMetadata: unknown): DeliberateMetadata {
  return (providerMetadata as { deliberate: DeliberateMetadata }).deliberate;
}

test("builtin:tiny-reasoner with self-consistency in generateText: 6 samples, one batched call, votes that add up", async () => {
  const model = deliberate("builtin:tiny-reasoner", { strategy: "self-consistency", samples: 6 });
  assert.equal(model.provider, "deliberate");
  const result = await generateText({ model, prompt: QUESTION, maxOutputTokens: 48, seed: 1 });
  const meta = metadataOf(result.providerMetadata);
  assert.equal(meta.strategy, "self-consistency");
  assert.equal(meta.candidates, 6);
  const voted = Object.values(meta.votes).reduce((sum, n) => sum + n, 0);
  assert.ok(voted <= 6);
  if (meta.key !== null) assert.ok((meta.votes[meta.key] ?? 0) >= 1);
  const [backend, spent] = Object.entries(meta.usage)[0]!;
  assert.match(backend, /^llama:.*tiny-reasoner\.gguf#raw$/);
  assert.equal(spent.calls, 1, "llama.cpp samples n in one call");
  assert.equal(result.usage.inputTokens, spent.promptTokens);
  assert.equal(result.usage.outputTokens, spent.completionTokens);
  assert.ok((result.usage.outputTokens ?? 0) > 0);
  assert.equal(typeof result.text, "string");
});

test("streamText over the provider: progress lines first, then the answer, with the same evidence", async () => {
  const model = deliberate.languageModel("self-consistency/builtin:tiny-reasoner", { samples: 4 });
  const result = streamText({ model, prompt: QUESTION, maxOutputTokens: 48, seed: 2 });
  let reasoning = "";
  let text = "";
  let firstText = -1;
  let lastReasoning = -1;
  let position = 0;
  for await (const part of result.fullStream) {
    position++;
    if (part.type === "error") throw part.error;
    if (part.type === "reasoning-delta") {
      reasoning += part.text;
      lastReasoning = position;
    }
    if (part.type === "text-delta") {
      text += part.text;
      if (firstText < 0) firstText = position;
    }
  }
  assert.match(reasoning, /^self-consistency: 4\/4 samples/m);
  assert.ok(lastReasoning < firstText || text === "", "progress before the answer");
  const meta = metadataOf(await result.providerMetadata);
  assert.equal(meta.candidates, 4);
  assert.equal((await result.usage).outputTokens, Object.values(meta.usage)[0]!.completionTokens);
  assert.equal(text, (await result.text) ?? "");
});

test("confidence-vote over llama.cpp logprobs on a tiny GGUF", async () => {
  const model = deliberate(tiny, { strategy: "confidence-vote", samples: 4, options: { topLogprobs: 2 } });
  const result = await generateText({ model, prompt: "2+2?", maxOutputTokens: 8, seed: 3 });
  const meta = metadataOf(result.providerMetadata);
  assert.equal(meta.strategy, "confidence-vote");
  assert.ok(meta.candidates <= 4);
  assert.ok(meta.confidence >= 0 && meta.confidence <= 1);
  // llama.cpp gave logprobs: the vote was weighted, not the plain-majority fallback.
  assert.equal((meta.details as { logprobs: boolean }).logprobs, true);
});

test("an unknown strategy is a DeliberateError naming the ones there are", () => {
  assert.throws(
    () => deliberate("builtin:tiny-reasoner", { strategy: "self-consistncy" }),
    (error: unknown) =>
      DeliberateError.isInstance(error) && /did you mean `self-consistency`/.test(error.message),
  );
  assert.throws(() => deliberate.embeddingModel("x"), /language models only/);
});
