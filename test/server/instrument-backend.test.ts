/** The server's in-flight gauge wrapper counts samples and keeps the rest of the backend as it is. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { instrumentBackend } from "../../src/server/instrument-backend.ts";
import { Gauge } from "../../src/server/metrics.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

test("instrumentBackend keeps id, fingerprint, capabilities and score", async () => {
  const inner = new ScriptedBackend({
    id: "llama:model.gguf",
    fingerprint: "sha256:abc",
    scorer: () => [-1],
  });
  const wrapped = instrumentBackend(inner, new Gauge("g", "in flight"));
  assert.equal(wrapped.id, "llama:model.gguf");
  assert.equal(wrapped.fingerprint, "sha256:abc");
  assert.deepEqual(wrapped.capabilities, inner.capabilities);
  assert.equal((await wrapped.score!({ prompt: "p", continuation: "c" })).logprob, -1);
});

test("the gauge counts samples in flight and returns to zero, for generate and stream", async () => {
  const gauge = new Gauge("g", "in flight");
  const labels = { backend: "scripted" };
  const wrapped = instrumentBackend(new ScriptedBackend({ script: ["a"], delayMs: 20 }), gauge);
  assert.equal(gauge.get(labels), 0);
  const running = wrapped.generate({ prompt: "p", n: 3 });
  assert.equal(gauge.get(labels), 3);
  await running;
  assert.equal(gauge.get(labels), 0);
  const seen: number[] = [];
  for await (const _ of wrapped.stream({ prompt: "p", n: 2 })) seen.push(gauge.get(labels));
  assert.ok(seen.every((n) => n === 2));
  assert.equal(gauge.get(labels), 0);
});
