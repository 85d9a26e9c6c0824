import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { closeSandboxes, runCode } from "../../src/sandbox/index.ts";
import type { RunCodeOptions } from "../../src/sandbox/types.ts";

after(() => closeSandboxes());

test("runCode dispatches on language and passes the options through", async () => {
  const run = await runCode({ language: "javascript", code: "console.log(input * 2); 'r'", input: 21 });
  assert.deepEqual([run.ok, run.stdout, run.result], [true, "42\n", "r"]);
  const timed = await runCode({ language: "javascript", code: "for (;;) {}", timeoutMs: 200 });
  assert.equal(timed.reason, "timeout");
});

test("an unknown language is an error result, not a throw", async () => {
  const run = await runCode({ language: "ruby", code: "puts 1" } as unknown as RunCodeOptions);
  assert.equal(run.ok, false);
  assert.equal(run.reason, "error");
  assert.equal(run.error, 'unsupported language "ruby"');
});

test("invalid limits reject with BAD_REQUEST naming the option", async () => {
  await assert.rejects(runCode({ language: "javascript", code: "1", timeoutMs: -1 }), (error: unknown) => {
    assert.ok(DeliberateError.isInstance(error));
    assert.equal(error.code, "BAD_REQUEST");
    assert.equal(error.param, "timeoutMs");
    return true;
  });
  await assert.rejects(runCode({ language: "python", code: "1", memoryMb: 1e6 }), /`memoryMb`/);
});
