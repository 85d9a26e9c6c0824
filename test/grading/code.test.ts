import assert from "node:assert/strict";
import { after, test } from "node:test";
import { extractCode, gradeCode } from "../../src/grading/code.ts";
import { closeSandboxes } from "../../src/sandbox/run-code.ts";
import type { CodeTests } from "../../src/sandbox/types.ts";

after(() => closeSandboxes());

const jsTests: CodeTests = {
  language: "javascript",
  code: "assert.strictEqual(add(2, 3), 5);\nassert.deepEqual([add(-1, 1)], [0]);",
};
const pyTests: CodeTests = { language: "python", code: "assert add(2, 3) == 5\nassert add(-1, 1) == 0" };

test("extractCode takes the last block in the language, else a bare block, else the text", () => {
  const cases: Array<[string, CodeTests["language"], string]> = [
    ["Here:\n```python\ndef f(): pass\n```\nthen\n```python\ndef g(): pass\n```", "python", "def g(): pass"],
    ["```py\nx = 1\n```\n```js\nlet y = 2\n```", "python", "x = 1"],
    ["```js\nlet y = 2\n```\n```py\nx = 1\n```", "javascript", "let y = 2"],
    ["```\nplain()\n```", "javascript", "plain()"],
    ["```python\ndef cut_off():\n    return 1", "python", "def cut_off():\n    return 1"],
    ["function raw() { return 1; }", "javascript", "function raw() { return 1; }"],
    ["```ts\nconst x: number = 1\n```", "javascript", ""],
  ];
  for (const [output, language, code] of cases) assert.equal(extractCode(output, language), code, output);
});

test("JavaScript: a correct program is correct, a wrong one incorrect", async () => {
  const right = await gradeCode("```js\nfunction add(a, b) { return a + b; }\n```", jsTests);
  assert.equal(right.verdict, "correct");
  assert.equal(right.correct, true);
  assert.equal(right.predicted, "function add(a, b) { return a + b; }");
  assert.equal(right.method, "tests");
  const wrong = await gradeCode("```javascript\nconst add = (a, b) => a - b;\n```", jsTests);
  assert.equal(wrong.verdict, "incorrect");
  assert.equal(wrong.correct, false);
  assert.match(wrong.reason, /^test failed: AssertionError: -1 === 5/);
});

test("JavaScript: crashes, syntax errors, loops and missing code get their own verdicts", async () => {
  const crash = await gradeCode("```js\nfunction add(a, b) { return a.b.c; }\n```", jsTests);
  assert.equal(crash.verdict, "error");
  assert.match(crash.reason, /^the code crashed: TypeError/);
  const syntax = await gradeCode("```js\nfunction add(a, b) { return a + ; }\n```", jsTests);
  assert.equal(syntax.verdict, "error");
  assert.match(syntax.reason, /^syntax error: SyntaxError/);
  const loop = await gradeCode("```js\nfunction add(a, b) { for (;;) {} }\n```", jsTests, { timeoutMs: 300 });
  assert.equal(loop.verdict, "timeout");
  assert.equal(loop.correct, false);
  const none = await gradeCode("I would write it in Rust:\n```rust\nfn add() {}\n```", jsTests);
  assert.equal(none.verdict, "unparseable");
  assert.equal(none.predicted, null);
  assert.equal(none.run, undefined);
});

test("JavaScript: a candidate may declare its own `assert`", async () => {
  const own = await gradeCode(
    "const assert = (c) => { if (!c) throw new Error('mine'); };\nconst add = (a, b) => a + b;",
    {
      language: "javascript",
      code: "assert(add(1, 1) === 2);",
    },
  );
  assert.equal(own.verdict, "correct", own.reason);
});

test("Python: a correct program is correct, a wrong one incorrect, a crash an error", async () => {
  // The candidate's `__main__` demo reads stdin; graded as a module, it does not run.
  const right = await gradeCode(
    "Sure!\n```python\ndef add(a, b):\n    return a + b\n\nif __name__ == '__main__':\n    print(add(*map(int, input().split())))\n```",
    pyTests,
  );
  assert.equal(right.verdict, "correct", right.reason);
  assert.equal(right.run?.ok, true);
  const wrong = await gradeCode("```python\ndef add(a, b):\n    return a * b\n```", pyTests);
  assert.equal(wrong.verdict, "incorrect");
  assert.match(wrong.reason, /^test failed: AssertionError/);
  const crash = await gradeCode("```python\ndef add(a, b):\n    return a / 0\n```", pyTests);
  assert.equal(crash.verdict, "error");
  assert.match(crash.reason, /ZeroDivisionError/);
  const exit = await gradeCode("```python\ndef add(a, b):\n    return 0\n```", {
    language: "python",
    code: "import sys\nif add(1, 2) != 3:\n    sys.exit(1)",
  });
  assert.equal(exit.verdict, "incorrect");
});

test("a pass needs the tests to finish: early exits, patched asserts and lying objects fail", async () => {
  const cases: Array<[string, string, CodeTests, string, RegExp]> = [
    [
      "exit(0) before the tests",
      "```python\nimport sys\ndef add(a, b):\n    return 0\nsys.exit(0)\n```",
      pyTests,
      "error",
      /^exited early: SystemExit: 0/,
    ],
    [
      "an always-equal object",
      "```python\nclass Eq:\n    def __eq__(self, o): return True\ndef add(a, b):\n    return Eq()\n```",
      pyTests,
      "incorrect",
      /^test failed: AssertionError/,
    ],
    [
      "the JavaScript bridge",
      "```python\nimport sys\nsys.modules['pyodide_js'].version\ndef add(a, b):\n    return 0\n```",
      pyTests,
      "error",
      /^blocked: the program reached outside/,
    ],
    [
      "a no-op assert",
      "```js\nglobalThis.assert = new Proxy(() => {}, { get: () => () => {} });\nconst add = () => 0;\n```",
      jsTests,
      "incorrect",
      /^test failed: AssertionError/,
    ],
  ];
  for (const [name, output, tests, verdict, reason] of cases) {
    const graded = await gradeCode(output, tests, { timeoutMs: 60_000 });
    assert.equal(graded.correct, false, name);
    assert.equal(graded.verdict, verdict, `${name}: ${graded.reason}`);
    assert.match(graded.reason, reason, name);
  }
});

test("a syntax error in the tests is the tests' fault, not the candidate's", async () => {
  const graded = await gradeCode("```python\ndef add(a, b):\n    return a + b\n```", {
    language: "python",
    code: "assert add(1, 2) ==",
  });
  assert.equal(graded.verdict, "error");
  assert.match(graded.reason, /^the tests did not parse: SyntaxError/);
});
