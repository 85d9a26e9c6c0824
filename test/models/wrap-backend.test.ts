/** `wrapBackend`: a middleware overrides what it names; everything else is the wrapped backend's. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StreamEvent } from "../../src/models/types.ts";
import { wrapBackend } from "../../src/models/wrap-backend.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";

const scorer = () => [-0.5];

async function drain(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

test("an empty middleware passes id, fingerprint, capabilities, score and close through", async () => {
  const inner = new ScriptedBackend({ id: "m", fingerprint: "sha:1", script: ["4"], scorer });
  let closed = 0;
  inner.close = async () => {
    closed++;
  };
  const wrapped = wrapBackend(inner, {});
  assert.equal(wrapped.id, "m");
  assert.equal(wrapped.fingerprint, "sha:1");
  assert.deepEqual(wrapped.capabilities, inner.capabilities);
  assert.equal((await wrapped.generate({ prompt: "2+2=" }))[0].text, "4");
  assert.equal((await wrapped.score!({ prompt: "2+2=", continuation: "4" })).logprob, -0.5);
  await wrapped.close();
  assert.equal(closed, 1);
});

test("capabilities are read from the wrapped backend on every access", () => {
  const inner = new ScriptedBackend();
  let nativeN = true;
  Object.defineProperty(inner, "capabilities", {
    get: () => ({ ...new ScriptedBackend().capabilities, nativeN }),
  });
  const wrapped = wrapBackend(inner, {});
  assert.equal(wrapped.capabilities.nativeN, true);
  nativeN = false;
  assert.equal(wrapped.capabilities.nativeN, false);
});

test("a wrapper never adds score(): none when the wrapped backend has none", () => {
  const wrapped = wrapBackend(new ScriptedBackend(), { wrapScore: ({ doScore }) => doScore() });
  assert.equal(wrapped.score, undefined);
});

test("overrides: id, fingerprint, capabilities, a transformed request, wrapped calls, close", async () => {
  const inner = new ScriptedBackend({ id: "m", fingerprint: "sha:1", script: ["ok"], scorer });
  const seen: string[] = [];
  const wrapped = wrapBackend(inner, {
    overrideId: (b) => `${b.id}#x`,
    overrideFingerprint: () => undefined,
    overrideCapabilities: (b) => ({ ...b.capabilities, prefill: false }),
    transformRequest: (request) => ({ ...request, maxTokens: 7 }),
    wrapGenerate: ({ doGenerate, request }) => {
      seen.push(`generate ${request.maxTokens}`);
      // A different request than the one given.
      return doGenerate({ ...request, n: 2 });
    },
    async *wrapStream({ doStream, request }) {
      seen.push(`stream ${request.maxTokens}`);
      yield* doStream();
    },
    wrapScore: ({ doScore, request }) => doScore({ ...request, continuation: `${request.continuation}!` }),
    close: async () => {
      seen.push("close");
    },
  });
  assert.equal(wrapped.id, "m#x");
  assert.equal(wrapped.fingerprint, undefined);
  assert.equal(wrapped.capabilities.prefill, false);
  assert.equal((await wrapped.generate({ prompt: "p" })).length, 2);
  await drain(wrapped.stream({ prompt: "p" }));
  await wrapped.score!({ prompt: "p", continuation: "c" });
  await wrapped.close();
  assert.deepEqual(seen, ["generate 7", "stream 7", "close"]);
  assert.deepEqual(
    inner.calls.map((c) => [c.maxTokens, c.n]),
    [
      [7, 2],
      [7, undefined],
    ],
  );
  assert.equal(inner.scoreCalls[0].continuation, "c!");
});
