import assert from "node:assert/strict";
import { after, test } from "node:test";
import { closeJavaScriptSandbox, runJavaScript } from "../../src/sandbox/run-javascript.ts";

after(() => closeJavaScriptSandbox());

test("returns the last expression's value and captures console output", async () => {
  const run = await runJavaScript({ code: "console.log('sum', [1, 2], NaN); console.error('warn'); 6 * 7" });
  assert.equal(run.ok, true);
  assert.equal(run.reason, "ok");
  assert.equal(run.result, "42");
  assert.equal(run.stdout, "sum [1,2] NaN\n");
  assert.equal(run.stderr, "warn\n");
  assert.equal(run.error, undefined);
});

test("setResult wins over the last expression; objects come back as JSON; undefined as no result", async () => {
  assert.equal((await runJavaScript({ code: "setResult({ a: [1, 'x'] }); 7" })).result, '{"a":[1,"x"]}');
  assert.equal((await runJavaScript({ code: "'text'" })).result, "text");
  const none = await runJavaScript({ code: "let x = 1;" });
  assert.equal(none.ok, true);
  assert.equal(none.result, undefined);
});

test("`input` is a copy of the given value", async () => {
  const run = await runJavaScript({ code: "input.xs.reduce((a, b) => a + b, 0)", input: { xs: [1, 2, 3] } });
  assert.equal(run.result, "6");
});

test("a promise as last expression is awaited", async () => {
  const run = await runJavaScript({ code: "(async () => { await null; return 'done'; })()" });
  assert.equal(run.result, "done");
  const rejected = await runJavaScript({ code: "(async () => { throw new RangeError('nope'); })()" });
  assert.equal(rejected.reason, "error");
  assert.equal(rejected.error, "RangeError: nope");
});

test("an infinite loop ends as timeout and the sandbox keeps working", async () => {
  const run = await runJavaScript({ code: "while (true) {}", timeoutMs: 300 });
  assert.equal(run.ok, false);
  assert.equal(run.reason, "timeout");
  // Allow a few ms of clock skew between the worker's Date.now deadline and performance.now.
  assert.ok(run.durationMs >= 295, `durationMs ${run.durationMs}`);
  const next = await runJavaScript({ code: "1 + 1" });
  assert.equal(next.result, "2");
});

test("catastrophic regex backtracking is interrupted too", async () => {
  const run = await runJavaScript({ code: "/(a+)+b/.test('a'.repeat(40))", timeoutMs: 300 });
  assert.equal(run.reason, "timeout");
});

test("a memory bomb ends as memory and the sandbox keeps working", async () => {
  const bombs = [
    "const a = []; while (true) a.push(new Array(1e5).fill(1));",
    "const a = []; while (true) a.push({ x: Math.random() });",
    "'a'.repeat(1e9)",
  ];
  for (const code of bombs) {
    const run = await runJavaScript({ code, memoryMb: 32, timeoutMs: 10_000 });
    assert.equal(run.reason, "memory", `${code} → ${run.reason}: ${run.error}`);
    assert.match(run.error ?? "", /out of memory/);
  }
  assert.equal((await runJavaScript({ code: "[1, 2, 3].length" })).result, "3");
});

test("process, require, fetch and other host objects do not exist", async () => {
  const kinds = await runJavaScript({
    code: "[typeof process, typeof require, typeof fetch, typeof setTimeout, typeof WebAssembly, typeof std, typeof os].join(',')",
  });
  assert.equal(kinds.result, "undefined,undefined,undefined,undefined,undefined,undefined,undefined");
  for (const [code, name] of [
    ["process.exit(1)", "process"],
    ["require('fs').readFileSync('/etc/passwd')", "require"],
    ["fetch('http://example.com')", "fetch"],
  ]) {
    const run = await runJavaScript({ code });
    assert.equal(run.reason, "error");
    assert.equal(run.error, `ReferenceError: '${name}' is not defined`);
  }
  const imported = await runJavaScript({
    code: "import('fs').then(() => 'loaded', (e) => 'refused: ' + e.message)",
  });
  assert.match(imported.result ?? "", /^refused: /);
});

test("a syntax error is `syntax`; a SyntaxError thrown at run time is `error`", async () => {
  const bad = await runJavaScript({ code: "let x = ;" });
  assert.equal(bad.reason, "syntax");
  assert.match(bad.error ?? "", /^SyntaxError: /);
  const thrown = await runJavaScript({ code: "JSON.parse('{')" });
  assert.equal(thrown.reason, "error");
  assert.match(thrown.error ?? "", /^SyntaxError: /);
});

test("runaway recursion is an error, not a crash", async () => {
  const run = await runJavaScript({ code: "function f(n) { return f(n + 1) + 1; } f(0)" });
  assert.equal(run.reason, "error");
  assert.equal(run.error, "InternalError: stack overflow");
});

test("runs do not share state", async () => {
  await runJavaScript({ code: "globalThis.leak = 1; var v = 2;" });
  const run = await runJavaScript({ code: "typeof leak + ',' + typeof v" });
  assert.equal(run.result, "undefined,undefined");
});

test("output past maxOutputBytes is cut with a note", async () => {
  const run = await runJavaScript({
    code: "for (let i = 0; i < 1000; i++) console.log('0123456789')",
    maxOutputBytes: 100,
  });
  assert.equal(run.ok, true);
  assert.ok(run.stdout.startsWith("0123456789\n"));
  assert.match(run.stdout, /\[output truncated at 100 bytes\]\n$/);
  assert.ok(run.stdout.length < 200);
});

test("concurrent runs are queued and each gets its own answer", async () => {
  const runs = await Promise.all([1, 2, 3, 4].map((n) => runJavaScript({ code: `${n} * 10` })));
  assert.deepEqual(
    runs.map((r) => r.result),
    ["10", "20", "30", "40"],
  );
});

test("printing the result counts against the time limit: a looping toJSON is a timeout", async () => {
  for (const code of [
    "({ toJSON() { for (;;) {} } })",
    "setResult({ get x() { for (;;) {} } }); 1",
    "console.log({ toJSON() { for (;;) {} } }); 1",
  ]) {
    const run = await runJavaScript({ code, timeoutMs: 300 });
    assert.equal(run.reason, "timeout", `${code} → ${run.reason}: ${run.result}`);
    assert.equal(run.ok, false);
    assert.equal(run.result, undefined);
  }
});

test("the result is cut at maxOutputBytes before it leaves QuickJS", async () => {
  const run = await runJavaScript({ code: "'ab'.repeat(8 * 1024 * 1024)", maxOutputBytes: 1024 });
  assert.equal(run.ok, true);
  assert.ok((run.result ?? "").length < 1100, `result of ${run.result?.length} chars`);
  assert.match(run.result ?? "", /^(ab)+\n\[output truncated at 1024 bytes\]$/);
  const object = await runJavaScript({
    code: "Array.from({ length: 1e6 }, (_, i) => i)",
    maxOutputBytes: 100,
  });
  assert.ok((object.result ?? "").length < 200);
});
