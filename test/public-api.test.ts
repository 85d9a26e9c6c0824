import assert from "node:assert/strict";
import { test } from "node:test";
import * as deliberate from "../src/index.ts";
import * as server from "../src/server/index.ts";
import * as testing from "../src/testing/index.ts";

test("the public surface exports the library's entry points", () => {
  for (const name of [
    "DeliberateError",
    "createLlamaBackend",
    "createOpenAIBackend",
    "ModelRegistry",
    "resolveModel",
    "grade",
    "gradeSync",
    "answerKey",
    "extractAnswer",
    "solve",
    "strategies",
    "runCode",
    "TraceRecorder",
    "runEvalPlan",
    "writeReport",
    "writeLlamaGguf",
    "validateGgufFile",
  ]) {
    assert.equal(
      typeof (deliberate as Record<string, unknown>)[name],
      name === "strategies" ? "object" : "function",
      name,
    );
  }
  assert.equal(typeof server.startServer, "function");
  assert.equal(typeof testing.ScriptedBackend, "function");
  assert.equal(typeof testing.startOpenAIServer, "function");
});

test("the public solve() runs a strategy end to end on a scripted backend", async () => {
  const policy = new testing.ScriptedBackend({ answers: { "1/2": 1, "0.5": 1 } });
  const solution = await deliberate.solve(
    { messages: [{ role: "user", content: "Half of 1?" }] },
    { strategy: "self-consistency", options: { samples: 6 }, backends: { policy } },
  );
  // `1/2` and `0.5` are one answer to the vote.
  assert.equal(solution.confidence, 1);
  assert.equal(solution.key, deliberate.answerKey("\\boxed{0.5}"));
});
