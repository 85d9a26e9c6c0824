import assert from "node:assert/strict";
import { after, test } from "node:test";
import { closeJavaScriptSandbox, runJavaScriptTests } from "../../src/sandbox/run-javascript.ts";
import type { TestsFailure } from "../../src/sandbox/types.ts";

after(() => closeJavaScriptSandbox());

const TESTS = "assert.strictEqual(add(2, 3), 5);\nassert.deepEqual([add(-1, 1)], [0]);";
const WRONG = "function add(a, b) { return a * b; }";

// Candidates that try to pass without being right. Every one must fail, for its own reason.
const forged: Array<[string, string, TestsFailure | "timeout", string?]> = [
  [
    "replaces globalThis.assert with a no-op proxy",
    `globalThis.assert = new Proxy(function () {}, { get: () => () => {}, apply: () => {} });\n${WRONG}`,
    "assertion",
  ],
  [
    "declares a lexical assert of its own",
    `const assert = () => {};\nassert.strictEqual = () => {};\n${WRONG}`,
    "assertion",
  ],
  ["declares assert with var", `var assert = { strictEqual() {}, deepEqual() {} };\n${WRONG}`, "assertion"],
  [
    "defines assert as a locked getter",
    `Object.defineProperty(globalThis, "assert", { get: () => new Proxy(() => {}, { get: () => () => {} }), configurable: false });\n${WRONG}`,
    "assertion",
  ],
  ["makes Object.is say yes", `Object.is = () => true;\n${WRONG}`, "assertion"],
  [
    "patches Array.prototype.includes the tests call",
    "Array.prototype.includes = function () { return true; };\nfunction evens() { return [1, 3]; }",
    "assertion",
    "assert(evens().includes(2));",
  ],
  [
    "patches JSON.stringify the tests compare with",
    'JSON.stringify = () => "same";\nfunction pair() { return [0, 0]; }',
    "assertion",
    "assert.strictEqual(JSON.stringify(pair()), JSON.stringify([1, 2]));",
  ],
  [
    "adds a toJSON to Array.prototype",
    "Array.prototype.toJSON = function () { return [1, 2]; };\nfunction pair() { return [0, 0]; }",
    "assertion",
    'assert.strictEqual(JSON.stringify(pair()), "[1,2]");',
  ],
  [
    "shadows JSON with a lexical binding",
    'let JSON = { stringify: () => "same" };\nfunction pair() { return [0, 0]; }',
    "assertion",
    "assert.strictEqual(JSON.stringify(pair()), JSON.stringify([1, 2]));",
  ],
  [
    "patches a built-in and freezes it so it cannot be put back",
    "Array.prototype.includes = function () { return true; };\nObject.freeze(Array.prototype);\nfunction evens() { return [1, 3]; }",
    "blocked",
    "assert(evens().includes(2));",
  ],
  [
    "patches Promise.prototype.then to swallow async failures",
    "Promise.prototype.then = function () { return this; };\nasync function add(a, b) { return a * b; }",
    "assertion",
    "(async () => { assert.strictEqual(await add(2, 3), 5); })()",
  ],
  [
    "returns an object whose valueOf is the answer",
    "function add() { return { valueOf: () => 5 }; }",
    "assertion",
    "assert.equal(add(2, 3), 5);",
  ],
  [
    "returns an object whose toString is the answer",
    "function add() { return { toString: () => '5' }; }",
    "assertion",
    "assert.equal(add(2, 3), '5');",
  ],
  [
    "returns an array-like for deepEqual",
    "function add(a, b) { return { 0: a + b, length: 1 }; }",
    "assertion",
    "assert.deepEqual(add(2, 3), [5]);",
  ],
  ["throws before the tests", `${WRONG}\nthrow new Error("stop here");`, "crash"],
  [
    "throws an AssertionError-looking object itself",
    `${WRONG}\nthrow { name: "AssertionError", message: "ok" };`,
    "crash",
  ],
  ["never returns", "function add() { for (;;) {} }", "timeout"],
  ["prints what a pass looks like", `console.log("all tests passed");\n${WRONG}`, "assertion"],
];

for (const [name, code, failure, tests = TESTS] of forged) {
  test(`a candidate that ${name} does not pass`, async () => {
    const run = await runJavaScriptTests({ code, tests, timeoutMs: failure === "timeout" ? 300 : 5_000 });
    assert.equal(run.passed, false, `${name}: ${run.reason} ${run.error}`);
    assert.equal(run.ok, false);
    if (failure === "timeout") assert.equal(run.reason, "timeout");
    else assert.equal(run.failure, failure, `${name}: ${run.reason} ${run.error}`);
  });
}

const honest: Array<[string, string, string?]> = [
  ["a correct function", "function add(a, b) { return a + b; }"],
  [
    "a correct async function",
    "async function add(a, b) { return a + b; }",
    "(async () => { assert.strictEqual(await add(2, 3), 5); })()",
  ],
  [
    "a candidate with its own assert helper",
    "const assert = (c) => { if (!c) throw new Error('mine'); };\nconst add = (a, b) => a + b;",
  ],
  [
    "Maps, Sets and nested objects compared deeply",
    "function stats(xs) { return { count: xs.length, seen: new Set(xs), by: new Map([['a', [1]]]) }; }",
    "assert.deepStrictEqual(stats([1, 2]), { count: 2, seen: new Set([1, 2]), by: new Map([['a', [1]]]) });",
  ],
  [
    "loose equality between primitives",
    "function add(a, b) { return String(a + b); }",
    "assert.equal(add(2, 3), 5);\nassert.notEqual(add(2, 3), 6);",
  ],
  [
    "a candidate that uses (and restores) built-ins",
    "const max = Math.max;\nfunction add(a, b) { return max(a + b, -Infinity); }",
  ],
  [
    "tests that declare helpers and globals",
    "function add(a, b) { return a + b; }",
    "function check(f) { assert.strictEqual(f(2, 3), 5); }\nlet total = 0;\ncheck(add);\ntotal = add(1, 1);\nassert.strictEqual(total, 2);",
  ],
];

for (const [name, code, tests = TESTS] of honest) {
  test(`${name} passes`, async () => {
    const run = await runJavaScriptTests({ code, tests });
    assert.equal(run.passed, true, `${name}: ${run.reason} ${run.error}`);
    assert.equal(run.reason, "ok");
  });
}

test("failures say where they happened", async () => {
  const failing = await runJavaScriptTests({ code: WRONG, tests: TESTS });
  assert.deepEqual(
    [failing.stage, failing.failure, failing.error],
    ["tests", "assertion", "AssertionError: 6 === 5"],
  );
  const syntax = await runJavaScriptTests({ code: "function add(a, b) { return a + ; }", tests: TESTS });
  assert.deepEqual([syntax.reason, syntax.stage], ["syntax", "candidate"]);
  const badTests = await runJavaScriptTests({ code: WRONG, tests: "assert.strictEqual(add(1, 1), " });
  assert.deepEqual([badTests.reason, badTests.stage], ["syntax", "tests"]);
  const crash = await runJavaScriptTests({ code: "function add(a) { return a.b.c; }", tests: TESTS });
  assert.deepEqual([crash.stage, crash.failure], ["tests", "crash"]);
  assert.match(crash.error ?? "", /^TypeError/);
});
