import assert from "node:assert/strict";
import { test } from "node:test";
import { StopMatcher } from "../../../src/models/llama/stop-matcher.ts";

test("finds the earliest stop string, including one straddling the last check", () => {
  const matcher = new StopMatcher(["\n\n", "Answer:"]);
  assert.deepEqual(matcher.find("x Answer: y\n\n"), { index: 2, stop: "Answer:" });
  // "An" was checked before; the match completes in the new text and is still found.
  assert.deepEqual(matcher.find("so An" + "swer: 4", 5), { index: 3, stop: "Answer:" });
  assert.equal(matcher.find("nothing here"), undefined);
});

test("holds back a tail that could still become a stop string", () => {
  const matcher = new StopMatcher(["\n\n", "Answer:"]);
  assert.equal(matcher.safeLength("4\n"), 1);
  assert.equal(matcher.safeLength("so Ans"), 3);
  assert.equal(matcher.safeLength("done."), 5);
  assert.equal(new StopMatcher([]).safeLength("abc"), 3);
});
