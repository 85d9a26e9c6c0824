import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { closeSandboxes } from "../../src/sandbox/index.ts";
import { solve } from "../../src/strategies/index.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { problem } from "./fixtures.ts";

after(() => closeSandboxes());

// Sandbox limits in strategy options are checked when the options are parsed (for the server:
// when the request arrives), so a bad limit costs no model call.
const cases: Array<[string, Record<string, unknown>, string]> = [
  ["program-aided", { memoryMb: 1e6 }, "memoryMb"],
  ["program-aided", { memoryMb: 0 }, "memoryMb"],
  ["program-aided", { timeoutMs: 1e9 }, "timeoutMs"],
  ["program-aided", { language: "python", timeoutMs: -5 }, "timeoutMs"],
  ["self-refine", { feedback: "tests", testTimeoutMs: 1e9 }, "testTimeoutMs"],
];

for (const [strategy, options, param] of cases) {
  test(`${strategy} refuses ${JSON.stringify(options)} before any model call`, async () => {
    const policy = new ScriptedBackend({ script: ["```js\nconsole.log(42)\n```"] });
    await assert.rejects(
      solve(problem, { strategy, options, backends: { policy } }),
      (error: unknown) =>
        DeliberateError.isInstance(error) &&
        error.code === "BAD_REQUEST" &&
        error.message.includes(`\`${param}\``),
    );
    assert.equal(policy.calls.length, 0);
  });
}

test("limits at their bounds are accepted", async () => {
  const policy = new ScriptedBackend({ script: ["```js\nconsole.log(6 * 7)\n```"] });
  const solution = await solve(problem, {
    strategy: "program-aided",
    options: { memoryMb: 2048, timeoutMs: 600_000 },
    backends: { policy },
  });
  assert.equal(solution.key, "42");
});
