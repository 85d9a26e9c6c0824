import assert from "node:assert/strict";
import { after, test } from "node:test";
import { closeJavaScriptSandbox, runJavaScript } from "../../src/sandbox/run-javascript.ts";

after(() => closeJavaScriptSandbox());

const MIB = 1024 * 1024;
// Generous on a busy machine: the point is the hundreds of MiB that used to stay.
const SLACK_MIB = 100;

/** Resident memory after the sandbox settles: polls (no fixed sleep) until it is under `ceiling`. */
async function rssSettlesUnder(ceiling: number, deadlineMs = 20_000): Promise<number> {
  const start = performance.now();
  let rss = process.memoryUsage().rss;
  while (rss > ceiling && performance.now() - start < deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    rss = process.memoryUsage().rss;
  }
  return rss;
}

async function baseline(): Promise<number> {
  await runJavaScript({ code: "1" });
  await closeJavaScriptSandbox();
  return process.memoryUsage().rss;
}

test("memory a run filled is handed back, whatever memoryMb was", async () => {
  const before = await baseline();
  // Each run touches ~144 MiB under its own limit; before the fix each limit kept its own module.
  for (const memoryMb of [200, 201, 202]) {
    const run = await runJavaScript({
      code: "const chunks = []; for (let i = 0; i < 18; i++) chunks.push(new Uint8Array(8 << 20).fill(1)); chunks.length",
      memoryMb,
      timeoutMs: 60_000,
    });
    assert.equal(run.result, "18", run.error);
  }
  const bomb = await runJavaScript({
    code: "const a = []; for (;;) a.push(new Uint8Array(8 << 20).fill(1));",
    memoryMb: 150,
    timeoutMs: 60_000,
  });
  assert.equal(bomb.reason, "memory");
  const rss = await rssSettlesUnder(before + SLACK_MIB * MIB);
  assert.ok(
    rss <= before + SLACK_MIB * MIB,
    `rss ${Math.round(rss / MIB)} MiB, started at ${Math.round(before / MIB)} MiB`,
  );
});

test("many distinct memoryMb values do not pile up modules", async () => {
  const before = await baseline();
  for (let i = 0; i < 12; i++) {
    // ~10 MiB each: under the growth that retires a worker, so only the memoryMb change does.
    const run = await runJavaScript({
      code: "new Uint8Array(10 << 20).fill(1).length",
      memoryMb: 64 + i,
      timeoutMs: 60_000,
    });
    assert.equal(run.ok, true, run.error);
  }
  const rss = await rssSettlesUnder(before + SLACK_MIB * MIB);
  assert.ok(
    rss <= before + SLACK_MIB * MIB,
    `rss ${Math.round(rss / MIB)} MiB, started at ${Math.round(before / MIB)} MiB`,
  );
});
