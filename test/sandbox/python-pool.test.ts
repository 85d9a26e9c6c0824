import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { closePythonSandbox, PYTHON_WORKERS_ENV, runPython } from "../../src/sandbox/run-python.ts";

after(() => closePythonSandbox());

const LIMIT_MS = 1500;
/** Start-up is not what is measured: a first child on a loaded machine can take seconds. */
const GENEROUS = { timeoutMs: 60_000 };

before(async () => {
  // Two runs at once start the pool's two children, which then stay warm.
  const warm = await Promise.all([1, 2].map((n) => runPython({ code: `${n} * 10`, ...GENEROUS })));
  assert.deepEqual(
    warm.map((run) => run.result),
    ["10", "20"],
  );
});

test("two programs that never end run side by side: together they take one limit, not two", async (t) => {
  // Each reports at least LIMIT_MS, so one after the other they would take 2 × LIMIT_MS or more.
  const started = performance.now();
  const runs = await Promise.all(
    ["while True:\n    pass", "n = 0\nwhile True:\n    n += 1"].map((code) =>
      runPython({ code, timeoutMs: LIMIT_MS }),
    ),
  );
  const elapsed = performance.now() - started;
  t.diagnostic(`2 loops at ${LIMIT_MS} ms: ${Math.round(elapsed)} ms`);
  for (const run of runs) {
    assert.equal(run.reason, "timeout", `${run.reason}: ${run.error}`);
    assert.ok(run.durationMs >= LIMIT_MS - 5, `durationMs ${run.durationMs}`);
  }
  assert.ok(elapsed < 2 * LIMIT_MS, `the two loops took ${Math.round(elapsed)} ms`);
  const next = await runPython({ code: "sum(range(10))" });
  assert.equal(next.result, "45", next.error);
});

test("a child killed at its limit is replaced while the other goes on", async () => {
  const [stubborn, normal] = await Promise.all([
    runPython({
      code: "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass",
      timeoutMs: 300,
    }),
    runPython({ code: "print('computed')\n6 * 7", ...GENEROUS }),
  ]);
  assert.equal(stubborn.reason, "timeout");
  assert.deepEqual([normal.result, normal.stdout], ["42", "computed\n"]);
  // Both places serve again, the replaced child's included.
  const runs = await Promise.all([3, 4].map((n) => runPython({ code: `${n} * 10`, ...GENEROUS })));
  assert.deepEqual(
    runs.map((run) => run.result),
    ["30", "40"],
  );
});

test("a pool size from the environment is checked: a bad one rejects the run, naming the variable", async () => {
  const previous = process.env[PYTHON_WORKERS_ENV];
  process.env[PYTHON_WORKERS_ENV] = "-1";
  try {
    await assert.rejects(runPython({ code: "1" }), (error: unknown) => {
      assert.ok(DeliberateError.isInstance(error));
      assert.equal(error.code, "BAD_REQUEST");
      assert.equal(error.param, PYTHON_WORKERS_ENV);
      return true;
    });
  } finally {
    if (previous === undefined) delete process.env[PYTHON_WORKERS_ENV];
    else process.env[PYTHON_WORKERS_ENV] = previous;
  }
});
