import assert from "node:assert/strict";
import { after, test } from "node:test";
import { closePythonSandbox, runPython } from "../../src/sandbox/run-python.ts";

// One warm pyodide child serves the whole file; the timeout, memory and host tests replace it.
after(() => closePythonSandbox());

test("returns the last expression's value and captures print output", async () => {
  const run = await runPython({
    code: "import sys\nprint('sum', [1, 2])\nprint('warn', file=sys.stderr)\n6 * 7",
  });
  assert.equal(run.ok, true);
  assert.equal(run.reason, "ok");
  assert.equal(run.result, "42");
  assert.equal(run.stdout, "sum [1, 2]\n");
  assert.equal(run.stderr, "warn\n");
});

test("set_result wins; values come back as str(); None as no result", async () => {
  assert.equal((await runPython({ code: "set_result({'a': 1})\n7" })).result, "{'a': 1}");
  assert.equal((await runPython({ code: "from fractions import Fraction\nFraction(1, 3)" })).result, "1/3");
  const none = await runPython({ code: "x = 1" });
  assert.equal(none.ok, true);
  assert.equal(none.result, undefined);
});

test("`__name__` is __main__ unless moduleName says otherwise; stdin is closed", async () => {
  assert.equal((await runPython({ code: "__name__" })).result, "__main__");
  assert.equal((await runPython({ code: "__name__", moduleName: "solution" })).result, "solution");
  const read = await runPython({ code: "input()" });
  assert.equal(read.reason, "error");
});

test("an exception is an error with a one-line summary and the traceback on stderr", async () => {
  const run = await runPython({ code: "def f(n):\n    return 1 / n\nf(0)" });
  assert.equal(run.reason, "error");
  assert.equal(run.error, "ZeroDivisionError: division by zero");
  assert.match(run.stderr, /^Traceback \(most recent call last\):\n {2}File "<code>", line 3/);
  assert.doesNotMatch(run.stderr, /_execute/);
});

test("syntax errors, including compile-time ones, are `syntax`", async () => {
  for (const code of ["def f(:\n  pass", "if True:\nprint(1)", "return 5"]) {
    const run = await runPython({ code });
    assert.equal(run.reason, "syntax", `${code} → ${run.reason}`);
    assert.match(run.error ?? "", /Error: .*\(line \d+\)$/);
  }
});

test("sys.exit(0) finishes; a non-zero exit is an error", async () => {
  assert.equal((await runPython({ code: "import sys\nprint('bye')\nsys.exit(0)" })).reason, "ok");
  const failed = await runPython({ code: "import sys\nsys.exit(3)" });
  assert.equal(failed.reason, "error");
  assert.equal(failed.error, "SystemExit: 3");
});

test("the host is out of reach: js, subprocesses, packages, host files, network", async () => {
  const blocked: Array<[string, RegExp]> = [
    ["import js", /^ImportError: import of 'js' is blocked/],
    ["from pyodide.code import run_js", /^ImportError: import of 'pyodide.code' is blocked/],
    ["import subprocess", /^ImportError: import of 'subprocess' is blocked/],
    ["import os\nos.system('ls')", /^PermissionError: running other programs is blocked/],
    ["import sys\nsys.modules['pyodide_js'].loadPackage('micropip')", /loading packages is blocked/],
    ["import micropip", /^ImportError/],
    [
      "import sys\nFS = sys.modules['pyodide_js'].FS\nFS.mkdir('/host')\nFS.mount(FS.filesystems.NODEFS, {'root': '/etc'}, '/host')",
      /JsException/,
    ],
    ["import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/')", /Error/],
  ];
  for (const [code, error] of blocked) {
    // Generous: a replaced child's first imports compile their wasm afresh (slow on a busy machine).
    const run = await runPython({ code, timeoutMs: 60_000 });
    assert.equal(run.reason, "error", `${code} → ${run.reason}`);
    assert.match(run.error ?? "", error, code);
  }
  // Even through the JavaScript Function constructor, the process's globals are gone.
  const globals = await runPython({
    code: "import sys\nF = sys.modules['pyodide_js'].constructor.constructor\nF('return [typeof process, typeof fetch, typeof require].join()')()",
  });
  assert.equal(globals.result, "undefined,undefined,undefined");
  // importlib gets past the import guard, but `js` is an empty object, not the process's globals.
  const js = await runPython({
    code: "import importlib\njs = importlib.import_module('js')\n[hasattr(js, n) for n in ('fetch', 'process', 'eval')]",
  });
  assert.equal(js.result, "[False, False, False]");
});

test("JavaScript a program schedules through pyodide never runs into a later program", async () => {
  // The program's child is replaced as soon as it touches JavaScript, so neither the import()
  // (refused anyway) nor the timer can settle where a later program would see it.
  await runPython({
    code: "import sys\nF = sys.modules['pyodide_js'].constructor.constructor\nF('return import(\"node:child_process\")')().then(lambda m: setattr(sys, 'probe', 'imported'), lambda e: setattr(sys, 'probe', str(e)))\nF('return (f) => setTimeout(f, 0)')()(lambda: setattr(sys, 'probe', 'timer'))",
    timeoutMs: 60_000,
  });
  for (let i = 0; i < 3; i++) {
    const run = await runPython({ code: "import sys\nstr(getattr(sys, 'probe', None))", timeoutMs: 60_000 });
    assert.equal(run.result, "None");
  }
});

test("programs do not see each other's names, imports or builtins", async () => {
  await runPython({ code: "leak = 1\nimport json\njson.dumps = None\n__builtins__['planted'] = 1" });
  const run = await runPython({
    code: "import json\n[('leak' in globals()), json.dumps([1]), 'planted' in __builtins__]",
  });
  assert.equal(run.result, "[False, '[1]', False]");
});

test("concurrent runs are queued and each gets its own answer", async () => {
  const runs = await Promise.all([1, 2, 3].map((n) => runPython({ code: `print(${n})\n${n} * 10` })));
  assert.deepEqual(
    runs.map((r) => [r.stdout, r.result]),
    [
      ["1\n", "10"],
      ["2\n", "20"],
      ["3\n", "30"],
    ],
  );
});

test("an infinite loop is killed at the limit and the next program still runs", async () => {
  const run = await runPython({ code: "print('start')\nwhile True:\n    pass", timeoutMs: 500 });
  assert.equal(run.ok, false);
  assert.equal(run.reason, "timeout");
  // A timer may fire a millisecond early against performance.now (libuv caches loop time).
  assert.ok(run.durationMs >= 495, `durationMs ${run.durationMs}`);
  const next = await runPython({ code: "sum(range(10))" });
  assert.equal(next.result, "45");
});

test("a memory bomb ends as memory and the next program still runs", async () => {
  const upfront = await runPython({ code: "x = bytearray(10**9)" });
  assert.equal(upfront.reason, "memory");
  const growing = await runPython({ code: "xs = []\nwhile True:\n    xs.append(bytearray(10**6))" });
  assert.equal(growing.reason, "memory", `${growing.reason}: ${growing.error}`);
  assert.match(growing.error ?? "", /MemoryError/);
  const next = await runPython({ code: "'ok'" });
  assert.equal(next.result, "ok");
});

test("printing the result counts against the time limit: a looping __str__ is a timeout", async () => {
  const run = await runPython({
    code: "class Slow:\n    def __str__(self):\n        while True:\n            pass\nSlow()",
    timeoutMs: 500,
  });
  assert.equal(run.reason, "timeout");
  assert.equal(run.result, undefined);
});

test("results, errors and output are cut at maxOutputBytes", async () => {
  const big = await runPython({ code: "'ab' * (8 * 1024 * 1024)", maxOutputBytes: 1024 });
  assert.equal(big.ok, true);
  assert.ok((big.result ?? "").length < 1100, `result of ${big.result?.length} chars`);
  assert.match(big.result ?? "", /\[output truncated at 1024 bytes\]$/);
  const error = await runPython({ code: "raise ValueError('x' * 10_000_000)", maxOutputBytes: 1024 });
  assert.ok((error.error ?? "").length < 1100);
  assert.ok(error.stderr.length < 1100);
});

test("a program that swallows the time limit's interrupt is still stopped", async () => {
  const run = await runPython({
    code: "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass",
    timeoutMs: 300,
  });
  assert.equal(run.reason, "timeout");
  const next = await runPython({ code: "6 * 7", timeoutMs: 60_000 });
  assert.equal(next.result, "42");
});
