import assert from "node:assert/strict";
import { after, test } from "node:test";
import { closeSandboxes } from "../../src/sandbox/run-code.ts";
import { solve } from "../../src/strategies/index.ts";
import type { Problem } from "../../src/strategies/types.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { codeTests } from "../../src/verifiers/code-tests.ts";
import { verify } from "../../src/verifiers/verify.ts";
import { context, nodes } from "../strategies/fixtures.ts";

after(() => closeSandboxes());

const problem: Problem = {
  messages: [{ role: "user", content: "Write add(a, b)." }],
  kind: "code",
  tests: { language: "javascript", code: "assert.strictEqual(add(2, 3), 5);" },
};

test("passing tests score 1, failing 0, with the verdict traced as a tool node", async () => {
  const ctx = context(new ScriptedBackend());
  const pass = await verify(
    codeTests(),
    problem,
    { text: "```js\nconst add = (a, b) => a + b;\n```", answer: null },
    ctx,
  );
  const fail = await verify(
    codeTests(),
    problem,
    { text: "```js\nconst add = (a, b) => a - b;\n```", answer: null },
    ctx,
  );
  assert.equal(pass.score, 1);
  assert.equal(fail.score, 0);
  assert.equal(fail.data?.verdict, "incorrect");
  const tools = nodes(ctx.trace.trace, "tool");
  assert.equal(tools.length, 2);
  assert.equal(tools[1].data.verdict, "incorrect");
  assert.equal(tools[1].parentId, nodes(ctx.trace.trace, "score")[1].id);
});

test("best-of-n with the tests verifier picks the program that passes", async () => {
  const policy = new ScriptedBackend({
    script: [
      "```js\nconst add = (a, b) => a * b;\n```",
      "```js\nfunction add(a, b) { return a + b; }\n```",
      "```js\nconst add = (a, b) => { throw new Error('no'); };\n```",
    ],
  });
  const trace = new TraceRecorder();
  const solution = await solve(problem, {
    strategy: "best-of-n",
    options: { samples: 3, verifier: "tests" },
    backends: { policy },
    trace,
  });
  assert.match(solution.text, /return a \+ b/);
  assert.equal(solution.confidence, 1);
  assert.deepEqual(
    nodes(trace.trace, "tool")
      .map((n) => n.data.verdict)
      .sort(),
    ["correct", "error", "incorrect"],
  );
});

test("a problem without tests is a BAD_REQUEST", async () => {
  await assert.rejects(
    verify(
      codeTests(),
      { messages: problem.messages },
      { text: "x", answer: null },
      context(new ScriptedBackend()),
    ),
    (e: { code?: string }) => e.code === "BAD_REQUEST",
  );
});
