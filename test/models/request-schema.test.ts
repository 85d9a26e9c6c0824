/**
 * One GenerateRequest schema for every backend: the contract's bounds everywhere, an engine's own
 * limits (llama.cpp's) only where they are layered on.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { llamaRequestSchema } from "../../src/models/llama/request-limits.ts";
import { parseGenerateRequest, parseScoreRequest } from "../../src/models/request-schema.ts";
import type { GenerateRequest } from "../../src/models/types.ts";

const prompt = "2+2=";

function paramOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    assert.equal((error as { code?: string }).code, "BAD_REQUEST");
    return (error as { param?: string }).param;
  }
  return undefined;
}

test("the contract's bounds hold for every backend; llama.cpp's limits for the llama schema only", () => {
  // [request, the param any backend names, the param the llama backend names]
  const cases: Array<[GenerateRequest, string | undefined, string]> = [
    [{ prompt, n: 0 }, "n", "n"],
    [{ prompt, temperature: -1 }, "temperature", "temperature"],
    [{ prompt, topP: 0 }, "topP", "topP"],
    [{ prompt, minP: 1 }, "minP", "minP"],
    [{ prompt, stop: [""] }, "stop.0", "stop.0"],
    [{}, "messages", "messages"],
    [{ prompt, assistantPrefix: "A:" }, "assistantPrefix", "assistantPrefix"],
    [{ prompt, n: 257 }, undefined, "n"],
    [{ prompt, temperature: 101 }, undefined, "temperature"],
    [{ prompt, stop: Array.from({ length: 17 }, (_, i) => `s${i}`) }, undefined, "stop"],
    [{ prompt, seed: -1 }, undefined, "seed"],
    [{ prompt, seed: 2 ** 32 }, undefined, "seed"],
  ];
  for (const [request, anyParam, llamaParam] of cases) {
    const text = JSON.stringify(request);
    assert.equal(
      paramOf(() => parseGenerateRequest(request)),
      anyParam,
      text,
    );
    assert.equal(
      paramOf(() => parseGenerateRequest(request, llamaRequestSchema)),
      llamaParam,
      text,
    );
  }
});

test("a valid request comes back as itself, signal included", () => {
  const request = {
    messages: [{ role: "user" as const, content: "hi" }],
    signal: new AbortController().signal,
  };
  assert.equal(parseGenerateRequest(request), request);
  assert.throws(() => parseScoreRequest({ prompt, continuation: "" }), {
    code: "BAD_REQUEST",
    param: "continuation",
    message: /score request field `continuation`/,
  });
});
