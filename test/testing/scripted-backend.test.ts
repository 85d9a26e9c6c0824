import assert from "node:assert/strict";
import { test } from "node:test";
import { ScriptedBackend, scriptedTokens } from "../../src/testing/scripted-backend.ts";

test("replays a script in order, the last output repeating", async () => {
  const backend = new ScriptedBackend({ script: ["a", "b"] });
  const texts = [];
  for (let i = 0; i < 3; i++) texts.push((await backend.generate({ prompt: "q" }))[0].text);
  assert.deepEqual(texts, ["a", "b", "b"]);
  assert.equal(backend.calls.length, 3);
});

test("samples a distribution reproducibly from the request seed", async () => {
  const backend = new ScriptedBackend({ answers: { x: 0.5, y: 0.5 } });
  const a = await backend.generate({ prompt: "q", n: 20, seed: 5 });
  const b = await backend.generate({ prompt: "q", n: 20, seed: 5 });
  assert.deepEqual(
    a.map((c) => c.text),
    b.map((c) => c.text),
  );
  const xs = a.filter((c) => c.text.includes("{x}")).length;
  assert.ok(xs > 3 && xs < 17, `${xs} of 20`);
  assert.deepEqual(
    a.map((c) => c.seed),
    Array.from({ length: 20 }, (_, i) => 5 + i),
  );
});

test("counts tokens, honours maxTokens, stop strings and logprobs", async () => {
  assert.deepEqual(scriptedTokens("The answer is 4."), ["The", " answer", " is", " 4."]);
  const backend = new ScriptedBackend({ script: () => ({ text: "one two three four", logprob: [-1, -2] }) });
  const [cut] = await backend.generate({ prompt: "12345678", maxTokens: 2, logprobs: 2 });
  assert.equal(cut.text, "one two");
  assert.equal(cut.finishReason, "length");
  assert.deepEqual(cut.usage, { promptTokens: 2, completionTokens: 2 });
  assert.deepEqual(
    cut.logprobs!.map((t) => t.logprob),
    [-1, -2],
  );
  assert.equal(cut.logprobs![0].top!.length, 2);
  const [stopped] = await backend.generate({ prompt: "q", stop: [" three"] });
  assert.equal(stopped.text, "one two");
  assert.equal(stopped.finishReason, "stop");
  assert.equal(stopped.logprobs, undefined);
});

test("streams token by token and stops on abort", async () => {
  const backend = new ScriptedBackend({ script: () => "a b c d e f g h", tokenDelayMs: 20 });
  const controller = new AbortController();
  const deltas: string[] = [];
  let done: { finishReason: string; text: string } | undefined;
  for await (const event of backend.stream({ prompt: "q", signal: controller.signal })) {
    if (event.type === "delta") {
      deltas.push(event.text);
      if (deltas.length === 2) controller.abort();
    } else done = event.completion;
  }
  assert.equal(done?.finishReason, "abort");
  assert.ok(deltas.length < 8);
  assert.equal(done?.text, deltas.join(""));
  assert.equal(backend.aborted, 1);
  assert.equal(backend.inFlight, 0);
});

test("without the logprobs capability it returns none and warns", async () => {
  const backend = new ScriptedBackend({ script: ["a b"], capabilities: { logprobs: false } });
  const [completion] = await backend.generate({ prompt: "q", logprobs: 3 });
  assert.equal(completion.logprobs, undefined);
  assert.deepEqual(completion.warnings, ["logprobs are not supported"]);
});
