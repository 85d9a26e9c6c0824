import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LlamaBackend } from "../../../src/models/llama/index.ts";
import { openTinyBackend, PROMPT } from "./llama-fixture.ts";

let backend: LlamaBackend;
before(async () => {
  // A long context so an unaborted generation would run for a long while.
  backend = await openTinyBackend({ contextSize: 2048 });
});
after(() => backend.close());

test("aborting mid-generation resolves every sample with `abort`, and the sequences are reusable", async () => {
  const controller = new AbortController();
  const stream = backend.stream({
    prompt: PROMPT,
    n: 2,
    maxTokens: 2000,
    seed: 1,
    signal: controller.signal,
  });
  const done = [];
  let deltas = 0;
  for await (const event of stream) {
    if (event.type === "delta" && ++deltas === 5) controller.abort();
    if (event.type === "done") done.push(event.completion);
  }
  assert.equal(done.length, 2);
  for (const completion of done) {
    assert.equal(completion.finishReason, "abort");
    assert.ok(completion.usage.completionTokens < 2000);
  }
  // The aborted sequences return to the pool; the next call runs normally on them.
  const [next] = await backend.generate({ prompt: PROMPT, n: 2, maxTokens: 5, seed: 2 });
  assert.equal(next.finishReason, "length");
  assert.equal(next.usage.completionTokens, 5);
});

test("generate() resolves with `abort` promptly when its signal fires", async () => {
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 30);
  const completions = await backend.generate({
    prompt: PROMPT,
    n: 3,
    maxTokens: 2000,
    // Seeds 1–3 write 600+ tokens without an end-of-generation token; an unseeded sample could stop
    // on its own before the abort (seed 4 does after 299 tokens) and make this test flaky.
    seed: 1,
    signal: controller.signal,
  });
  assert.deepEqual(
    completions.map((c) => c.finishReason),
    ["abort", "abort", "abort"],
  );
  assert.ok(completions.every((c) => c.usage.completionTokens < 2000));
  assert.ok(performance.now() - started < 10_000);
  const [after] = await backend.generate({ prompt: PROMPT, maxTokens: 3, seed: 1 });
  assert.equal(after.usage.completionTokens, 3);
});

test("an already-aborted signal returns `abort` without generating", async () => {
  const completions = await backend.generate({ prompt: PROMPT, n: 2, signal: AbortSignal.abort() });
  assert.deepEqual(
    completions.map((c) => [c.finishReason, c.usage.completionTokens]),
    [
      ["abort", 0],
      ["abort", 0],
    ],
  );
});

test("breaking out of a stream stops its samples and frees their sequences", async () => {
  for await (const event of backend.stream({ prompt: PROMPT, maxTokens: 2000, seed: 3 })) {
    if (event.type === "delta") break;
  }
  const [next] = await backend.generate({ prompt: PROMPT, maxTokens: 4, seed: 3 });
  assert.equal(next.usage.completionTokens, 4);
});
