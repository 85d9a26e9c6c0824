import assert from "node:assert/strict";
import { test } from "node:test";
import { programAnswer } from "../../src/sandbox/program-answer.ts";
import type { SandboxResult } from "../../src/sandbox/types.ts";

const ok = (fields: Partial<SandboxResult>): SandboxResult => ({
  ok: true,
  stdout: "",
  stderr: "",
  reason: "ok",
  durationMs: 1,
  ...fields,
});

test("programAnswer prefers the result, then the last printed line, else null", () => {
  assert.equal(programAnswer(ok({ result: " 42 ", stdout: "7\n" })), "42");
  assert.equal(programAnswer(ok({ stdout: "step 1\n  3/4  \n\n" })), "3/4");
  assert.equal(programAnswer(ok({ result: "", stdout: "x\n" })), "x");
  assert.equal(programAnswer(ok({})), null);
  assert.equal(
    programAnswer({ ...ok({ stdout: "partial\n" }), ok: false, reason: "error", error: "ValueError" }),
    null,
  );
});
