import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError, toDeliberateError } from "../src/errors.ts";

test("isInstance recognises errors by brand, not by class identity", () => {
  const error = new DeliberateError("BAD_REQUEST", "`n` must be >= 1", { param: "n" });
  assert.equal(DeliberateError.isInstance(error), true);
  assert.equal(DeliberateError.isInstance(new Error("x")), false);
  assert.equal(DeliberateError.isInstance({ code: "BAD_REQUEST" }), false);
});

test("toDeliberateError keeps DeliberateErrors and wraps the rest", () => {
  const original = new DeliberateError("TIMEOUT", "slow");
  assert.equal(toDeliberateError(original), original);
  const wrapped = toDeliberateError(new Error("boom"), "UPSTREAM");
  assert.equal(wrapped.code, "UPSTREAM");
  assert.equal(wrapped.message, "boom");
  const abort = new Error("stop");
  abort.name = "AbortError";
  assert.equal(toDeliberateError(abort).code, "ABORTED");
});
