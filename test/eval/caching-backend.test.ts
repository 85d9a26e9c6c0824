import assert from "node:assert/strict";
import { test } from "node:test";
import { CachingBackend, sampleKey } from "../../src/eval/caching-backend.ts";
import { SqliteStore } from "../../src/eval/store.ts";
import type { Completion, StreamEvent } from "../../src/models/types.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

const request = { messages: [{ role: "user" as const, content: "2+2?" }], temperature: 0.8, seed: 10 };
const backend = () =>
  new ScriptedBackend({
    script: ({ random }) => `draw ${random().toFixed(6)}`,
    defaultLogprob: -0.1,
  });

async function collect(
  stream: AsyncIterable<StreamEvent>,
): Promise<{ text: Map<number, string>; done: Completion[] }> {
  const text = new Map<number, string>();
  const done: Completion[] = [];
  for await (const event of stream) {
    if (event.type === "delta") text.set(event.index, (text.get(event.index) ?? "") + event.text);
    else done.push(event.completion);
  }
  return { text, done };
}

test("sample keys: per sample seed, independent of field order and of n", () => {
  const a = sampleKey("m", { ...request, n: 4 }, 2);
  assert.equal(
    a,
    sampleKey("m", { seed: 12, temperature: 0.8, messages: request.messages }, 0),
    "sample 2 of seed 10 is seed 12",
  );
  assert.notEqual(a, sampleKey("m", { ...request, temperature: 0.7 }, 2));
  assert.notEqual(a, sampleKey("other", { ...request, n: 4 }, 2));
});

test("sample keys cover nested fields: another question, system prompt or stop list is another key", () => {
  const a = sampleKey("m", request, 0);
  assert.notEqual(a, sampleKey("m", { ...request, messages: [{ role: "user", content: "3+3?" }] }, 0));
  assert.notEqual(
    a,
    sampleKey(
      "m",
      { ...request, messages: [{ role: "system", content: "Be brief." }, ...request.messages] },
      0,
    ),
  );
  assert.notEqual(a, sampleKey("m", { ...request, stop: ["\n"] }, 0));
  // Nested key order and undefined fields do not matter.
  assert.equal(
    a,
    sampleKey(
      "m",
      { seed: 10, maxTokens: undefined, messages: [{ content: "2+2?", role: "user" }], temperature: 0.8 },
      0,
    ),
  );
  assert.notEqual(sampleKey("m", { ...request, seed: undefined }, 0), sampleKey("m", request, 0));
});

test("generate: stored samples replay, missing ones are generated with the right seeds", async () => {
  const store = SqliteStore.open(":memory:");
  const first = backend();
  const narrow = await new CachingBackend(first, store).generate({ ...request, n: 2 });
  const second = backend();
  const wide = await new CachingBackend(second, store).generate({ ...request, n: 4 });
  assert.deepEqual(
    wide.slice(0, 2).map((c) => c.text),
    narrow.map((c) => c.text),
  );
  assert.deepEqual(
    second.calls.map((c) => [c.n, c.seed]),
    [[2, 12]],
  );
  const direct = await backend().generate({ ...request, n: 4 });
  assert.deepEqual(
    wide.map((c) => c.text),
    direct.map((c) => c.text),
    "the same samples as one uncached call",
  );
  assert.deepEqual(
    wide.map((c) => c.index),
    [0, 1, 2, 3],
  );
  await store.close();
});

test("stream: stored samples replay with their logprobs; a partly stored request streams live and stores", async () => {
  const store = SqliteStore.open(":memory:");
  const live = await collect(new CachingBackend(backend(), store).stream({ ...request, n: 2, logprobs: 0 }));
  const inner = backend();
  const replay = await collect(new CachingBackend(inner, store).stream({ ...request, n: 2, logprobs: 0 }));
  assert.equal(inner.calls.length, 0, "all from the store");
  assert.deepEqual(replay.text, live.text);
  assert.deepEqual(
    replay.done.map((c) => c.logprobs?.length),
    live.done.map((c) => c.logprobs?.length),
  );
  assert.ok((replay.done[0].logprobs?.length ?? 0) > 0);
  // The same samples serve a plain generate too.
  const viaGenerate = await new CachingBackend(inner, store).generate({ ...request, n: 2, logprobs: 0 });
  assert.equal(inner.calls.length, 0);
  assert.deepEqual(
    viaGenerate.map((c) => c.text),
    live.done.sort((a, b) => a.index - b.index).map((c) => c.text),
  );
  await store.close();
});

test("two models with one id but different fingerprints (two runs' model.gguf) never share cached samples", async () => {
  const store = SqliteStore.open(":memory:");
  const model = (fingerprint: string, word: string) =>
    Object.assign(new ScriptedBackend({ id: "llama:model.gguf", script: () => word }), { fingerprint });
  const first = new CachingBackend(model("llama:model.gguf@aaaa", "first"), store);
  const second = new CachingBackend(model("llama:model.gguf@bbbb", "second"), store);
  assert.equal((await first.generate(request))[0].text, "first");
  assert.equal((await second.generate(request))[0].text, "second", "not the first model's cached sample");
  const again = new CachingBackend(model("llama:model.gguf@aaaa", "changed"), store);
  assert.equal((await again.generate(request))[0].text, "first", "the same fingerprint is a cache hit");
});
