import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LlamaModel } from "node-llama-cpp";
import { resolveChatWrapper } from "node-llama-cpp";
import type { LlamaBackend } from "../../../src/models/llama/index.ts";
import { getLlamaInstance } from "../../../src/models/llama/llama-instance.ts";
import { renderPrompt, tokenizeRaw } from "../../../src/models/llama/render-prompt.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";
import { openTinyBackend } from "./llama-fixture.ts";

let model: LlamaModel;
let backend: LlamaBackend;
before(async () => {
  const llama = await getLlamaInstance(false);
  model = await llama.loadModel({ modelPath: await tinyModelPath() });
  backend = await openTinyBackend();
});
after(async () => {
  await backend.close();
  await model.dispose();
});

const messages = [
  { role: "system" as const, content: "Brief." },
  { role: "user" as const, content: "Hi" },
];

test("messages are rendered with the GGUF's own chat template, ending in an open assistant turn", () => {
  const rendered = renderPrompt({
    model,
    chatWrapper: resolveChatWrapper(model),
    messages,
    assistantPrefix: "Sure",
  });
  // SentencePiece puts a space before text that follows a special token (as llama.cpp does); the
  // messages here have no spaces of their own, so dropping spaces leaves the template's text.
  const text = model.detokenize(rendered.tokens, true).replaceAll(" ", "");
  // The tiny model ships a ChatML template.
  assert.equal(
    text,
    "<s><|im_start|>system\nBrief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nSure",
  );
  assert.equal(rendered.tokens[0], model.tokens.bos);
});

test("a raw prompt is tokenized as is, after BOS", () => {
  const tokens = tokenizeRaw(model, "2+2=");
  assert.equal(tokens[0], model.tokens.bos);
  assert.equal(model.detokenize(tokens.slice(1)), "2+2=");
});

test("generation continues after the assistant prefix, which the text leaves out", async () => {
  const request = { messages, temperature: 0, seed: 1, logprobs: 0 };
  const [withPrefix] = await backend.generate({ ...request, maxTokens: 8, assistantPrefix: "The answer is" });
  const [plain] = await backend.generate({ ...request, maxTokens: 8 });
  assert.ok(!withPrefix.text.startsWith("The answer is"));
  assert.ok(withPrefix.usage.promptTokens > plain.usage.promptTokens);
  // Moving the first generated token into the prefix continues the same greedy text.
  const first = withPrefix.logprobs![0].token;
  const [longer] = await backend.generate({
    ...request,
    maxTokens: 7,
    assistantPrefix: `The answer is${first}`,
  });
  assert.equal(longer.text, withPrefix.text.slice(first.length));
});

test("assistantPrefix without messages is rejected", async () => {
  await assert.rejects(
    backend.generate({ prompt: "x", assistantPrefix: "y" }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, "BAD_REQUEST");
      assert.match(error.message, /`assistantPrefix`/);
      return true;
    },
  );
});
