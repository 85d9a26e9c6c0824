import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import {
  closeJavaScriptSandbox,
  JAVASCRIPT_WORKERS_ENV,
  runJavaScript,
} from "../../src/sandbox/run-javascript.ts";

after(() => closeJavaScriptSandbox());

const LIMIT_MS = 1000;

/** Sets the pool size for one test; the variable is read before every run. */
async function withWorkers<T>(value: string | undefined, body: () => Promise<T>): Promise<T> {
  const before = process.env[JAVASCRIPT_WORKERS_ENV];
  if (value === undefined) delete process.env[JAVASCRIPT_WORKERS_ENV];
  else process.env[JAVASCRIPT_WORKERS_ENV] = value;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env[JAVASCRIPT_WORKERS_ENV];
    else process.env[JAVASCRIPT_WORKERS_ENV] = before;
  }
}

test("programs that never end run side by side: a batch of 6 takes about one limit, not six", async (t) => {
  // Run one by one, the six loops alone would take 6 × LIMIT_MS; each reports at least LIMIT_MS,
  // so a batch under 3 × LIMIT_MS ran them side by side (the slack is for a loaded machine).
  const loops = ["while (true) {}", "for (;;) {}", "/(a+)+b/.test('a'.repeat(40))"];
  const started = performance.now();
  const [normal, ...timedOut] = await Promise.all([
    runJavaScript({ code: "[1, 2, 3].map((x) => x * 2).join(',')", timeoutMs: 60_000 }),
    ...Array.from({ length: 6 }, (_, i) =>
      runJavaScript({ code: loops[i % loops.length], timeoutMs: LIMIT_MS }),
    ),
  ]);
  const elapsed = performance.now() - started;
  t.diagnostic(`6 loops at ${LIMIT_MS} ms and a normal program: ${Math.round(elapsed)} ms`);
  assert.equal(normal.result, "2,4,6", normal.error);
  for (const run of timedOut) {
    assert.equal(run.reason, "timeout", `${run.reason}: ${run.error}`);
    assert.ok(run.durationMs >= LIMIT_MS - 5, `durationMs ${run.durationMs}`);
  }
  assert.ok(elapsed < 3 * LIMIT_MS, `the batch took ${Math.round(elapsed)} ms`);
  // The workers that stopped the loops serve the next run.
  assert.equal((await runJavaScript({ code: "6 * 7" })).result, "42");
});

test("runs with different memory limits at once each get a worker made for theirs", async () => {
  // 40 MiB fits under 96 MiB and not under 32: each run's answer shows the cap its worker has.
  const alloc = "new Uint8Array(40 << 20).fill(1).length";
  const [bomb, roomy, tight, small] = await Promise.all([
    runJavaScript({ code: "const a = []; for (;;) a.push(new Array(1e5).fill(1));", memoryMb: 32 }),
    runJavaScript({ code: alloc, memoryMb: 96, timeoutMs: 60_000 }),
    runJavaScript({ code: alloc, memoryMb: 32, timeoutMs: 60_000 }),
    runJavaScript({ code: "6 * 7", memoryMb: 48 }),
  ]);
  assert.equal(bomb.reason, "memory", `${bomb.reason}: ${bomb.error}`);
  assert.equal(roomy.result, String(40 << 20), roomy.error);
  assert.equal(tight.reason, "memory", `${tight.reason}: ${tight.error}`);
  assert.equal(small.result, "42", small.error);
  // A later run at each limit still works.
  const again = await Promise.all(
    [32, 48, 96].map((memoryMb) => runJavaScript({ code: "'ok'", memoryMb, timeoutMs: 60_000 })),
  );
  assert.deepEqual(
    again.map((run) => run.result),
    ["ok", "ok", "ok"],
  );
});

test("past the pool's size runs wait, and their limits count from when they start", async (t) => {
  await withWorkers("2", async () => {
    const started = performance.now();
    const runs = await Promise.all(
      [1, 2, 3].map(() => runJavaScript({ code: "for (;;) {}", timeoutMs: 500 })),
    );
    const elapsed = performance.now() - started;
    t.diagnostic(`3 loops at 500 ms on 2 workers: ${Math.round(elapsed)} ms`);
    // Two at once: the third starts only when one of them ended, and still gets its whole limit.
    for (const run of runs) {
      assert.equal(run.reason, "timeout");
      assert.ok(run.durationMs >= 495, `durationMs ${run.durationMs}`);
    }
    assert.ok(elapsed >= 990, `three runs on two workers took ${Math.round(elapsed)} ms`);
  });
});

test("a pool size from the environment is checked: a bad one rejects the run, naming the variable", async () => {
  for (const bad of ["0", "two", "1.5", "65"]) {
    await withWorkers(bad, async () => {
      await assert.rejects(runJavaScript({ code: "1" }), (error: unknown) => {
        assert.ok(DeliberateError.isInstance(error));
        assert.equal(error.code, "BAD_REQUEST");
        assert.equal(error.param, JAVASCRIPT_WORKERS_ENV);
        assert.match(error.message, /DELIBERATE_SANDBOX_JS_WORKERS/);
        return true;
      });
    });
  }
  await withWorkers(" 3 ", async () => assert.equal((await runJavaScript({ code: "1 + 1" })).result, "2"));
});
