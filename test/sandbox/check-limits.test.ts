import assert from "node:assert/strict";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import {
  checkLimits,
  MAX_MEMORY_MB,
  MAX_OUTPUT_BYTES,
  MAX_TIMEOUT_MS,
} from "../../src/sandbox/check-limits.ts";
import { runJavaScript } from "../../src/sandbox/run-javascript.ts";
import { runPythonTests } from "../../src/sandbox/run-python.ts";

test("limits inside their bounds are accepted, including the bounds themselves", () => {
  for (const limits of [
    {},
    { timeoutMs: 1, memoryMb: 1, maxOutputBytes: 0 },
    { timeoutMs: MAX_TIMEOUT_MS, memoryMb: MAX_MEMORY_MB, maxOutputBytes: MAX_OUTPUT_BYTES },
    { timeoutMs: 2.5 },
  ]) {
    assert.doesNotThrow(() => checkLimits(limits), JSON.stringify(limits));
  }
});

test("a limit out of bounds is BAD_REQUEST naming it, before anything runs", async () => {
  const cases: Array<[Record<string, number>, string]> = [
    [{ memoryMb: 1e6 }, "memoryMb"],
    [{ memoryMb: 0 }, "memoryMb"],
    [{ memoryMb: 1.5 }, "memoryMb"],
    [{ timeoutMs: 1e9 }, "timeoutMs"],
    [{ timeoutMs: 0 }, "timeoutMs"],
    [{ timeoutMs: Number.POSITIVE_INFINITY }, "timeoutMs"],
    [{ maxOutputBytes: 1e12 }, "maxOutputBytes"],
    [{ maxOutputBytes: -1 }, "maxOutputBytes"],
  ];
  for (const [limits, param] of cases) {
    assert.throws(
      () => checkLimits(limits),
      (error: unknown) =>
        DeliberateError.isInstance(error) && error.code === "BAD_REQUEST" && error.param === param,
      JSON.stringify(limits),
    );
  }
  // The run functions refuse the same way, without starting a sandbox.
  await assert.rejects(runJavaScript({ code: "1", memoryMb: 1e6 }), /`memoryMb`/);
  await assert.rejects(runPythonTests({ code: "1", tests: "1", timeoutMs: 1e9 }), /`timeoutMs`/);
});
