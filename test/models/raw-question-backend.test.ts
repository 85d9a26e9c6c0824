import assert from "node:assert/strict";
import { test } from "node:test";
import { RawQuestionBackend } from "../../src/models/raw-question-backend.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

test("chat requests become `question + newline` raw prompts; system instructions dropped, prefill appended", async () => {
  const inner = new ScriptedBackend({ id: "tiny", script: ["3+4=7\n#### 7"] });
  const raw = new RawQuestionBackend(inner);
  assert.equal(raw.id, "tiny#raw");
  assert.equal(raw.capabilities.chatTemplate, false);
  assert.equal(raw.capabilities.prefill, true);
  const [completion] = await raw.generate({
    messages: [
      { role: "system", content: "Think step by step and put the answer in \\boxed{}." },
      { role: "user", content: "Compute 3+4." },
    ],
    assistantPrefix: "Let me",
    temperature: 0,
    seed: 5,
    maxTokens: 20,
  });
  assert.equal(completion.text, "3+4=7\n#### 7");
  assert.deepEqual(inner.calls, [{ prompt: "Compute 3+4.\nLet me", temperature: 0, seed: 5, maxTokens: 20 }]);
  // Raw prompts pass through untouched.
  await raw.generate({ prompt: "as is" });
  assert.equal(inner.calls[1].prompt, "as is");
});
