import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LlamaBackend } from "../../../src/models/llama/index.ts";
import type { Completion, StreamEvent } from "../../../src/models/types.ts";
import { openTinyBackend, PROMPT } from "./llama-fixture.ts";

let backend: LlamaBackend;
before(async () => {
  backend = await openTinyBackend();
});
after(() => backend.close());

async function collect(events: AsyncIterable<StreamEvent>) {
  const texts = new Map<number, string>();
  const logprobCounts = new Map<number, number>();
  const done: Completion[] = [];
  for await (const event of events) {
    if (event.type === "delta") {
      assert.ok(event.text.length > 0);
      texts.set(event.index, (texts.get(event.index) ?? "") + event.text);
      logprobCounts.set(event.index, (logprobCounts.get(event.index) ?? 0) + (event.logprobs?.length ?? 0));
    } else {
      done.push(event.completion);
    }
  }
  return { texts, logprobCounts, done };
}

test("stream() yields per-sample deltas that add up to the finished completions", async () => {
  const request = { prompt: PROMPT, n: 3, maxTokens: 15, seed: 21, logprobs: 1 };
  const { texts, logprobCounts, done } = await collect(backend.stream(request));
  assert.equal(done.length, 3);
  for (const completion of done) {
    assert.equal(texts.get(completion.index), completion.text);
    assert.equal(logprobCounts.get(completion.index), completion.logprobs?.length);
  }
  // Streaming and generate() give the same samples.
  const generated = await backend.generate(request);
  assert.deepEqual(
    generated.map((c) => c.text),
    [...done].sort((a, b) => a.index - b.index).map((c) => c.text),
  );
});

test("text that may begin a stop string is held back, and the stop string never streams", async () => {
  const [full] = await backend.generate({ prompt: PROMPT, maxTokens: 30, temperature: 0 });
  const stop = full.text.slice(12, 15);
  const { texts, done } = await collect(
    backend.stream({ prompt: PROMPT, maxTokens: 30, temperature: 0, stop: [stop] }),
  );
  assert.equal(done[0].finishReason, "stop");
  assert.equal(texts.get(0) ?? "", done[0].text);
  assert.ok(!(texts.get(0) ?? "").includes(stop));
});
