/**
 * `deliberate train`'s progress: the ETA from the measured step rate (driven by the loop's own clock,
 * `elapsedMs`, so these tests set the clock instead of sleeping), and the lines and bar it prints.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, StepEta, type StepProgress } from "../../../src/lab/train/step-eta.ts";
import { createTrainProgress } from "../../../src/lab/train/train-progress.ts";

const MINUTE = 60_000;

/** Reports of a loop making `rate` steps per second from (step0, t0ms), one per step. */
function reports(options: { from: number; to: number; rate: number; t0?: number; step0?: number }) {
  const { from, to, rate, t0 = 0, step0 = 0 } = options;
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    step: from + i,
    elapsedMs: t0 + ((from + i - step0) * 1000) / rate,
  }));
}

test("a step limit that comes first: ETA is the steps left at the measured rate", () => {
  const eta = new StepEta();
  let last!: ReturnType<StepEta["observe"]>;
  for (const r of reports({ from: 1, to: 100, rate: 2 }))
    last = eta.observe({ ...r, maxSteps: 600, budgetMs: 10 * MINUTE });
  // 500 steps left at 2 steps/s: 250 s, well inside the 10-minute budget (9m10s left).
  assert.equal(last.limit, "steps");
  assert.ok(Math.abs(last.stepsPerSecond! - 2) < 1e-9);
  assert.ok(Math.abs(last.etaMs - 250_000) < 1e-6, String(last.etaMs));
  assert.ok(Math.abs(last.fraction - 100 / 600) < 1e-12);
});

test("a time budget that comes first: ETA is the budget left, the share is the time used", () => {
  const eta = new StepEta();
  let last!: ReturnType<StepEta["observe"]>;
  for (const r of reports({ from: 1, to: 200, rate: 10 }))
    last = eta.observe({ ...r, maxSteps: 1_000_000, budgetMs: MINUTE });
  assert.equal(last.limit, "time");
  assert.equal(last.etaMs, 40_000);
  assert.ok(Math.abs(last.fraction - 1 / 3) < 1e-12);
  // The first report has no rate yet: the budget left is the ETA, an upper bound.
  const first = new StepEta().observe({ step: 1, elapsedMs: 100, maxSteps: 600, budgetMs: MINUTE });
  assert.equal(first.stepsPerSecond, undefined);
  assert.equal(first.etaMs, MINUTE - 100);
});

test("a resumed run: the rate is this run's, not steps over time including the earlier run", () => {
  const eta = new StepEta();
  // 300 steps in 30 s before the restart; this process starts at 31 s and makes 1 step/s.
  let last!: ReturnType<StepEta["observe"]>;
  for (const r of reports({ from: 301, to: 330, rate: 1, t0: 31_000, step0: 301 }))
    last = eta.observe({ ...r, maxSteps: 400, budgetMs: 60 * MINUTE });
  assert.ok(Math.abs(last.stepsPerSecond! - 1) < 1e-9, String(last.stepsPerSecond));
  assert.equal(last.limit, "steps");
  assert.ok(Math.abs(last.etaMs - 70_000) < 1e-6);
});

test("the rate follows a loop that slows down (a recent window), validation pauses included", () => {
  const eta = new StepEta({ windowMs: MINUTE });
  const progress = (r: { step: number; elapsedMs: number }): StepProgress => ({
    ...r,
    maxSteps: 10_000,
    budgetMs: 600 * MINUTE,
  });
  for (const r of reports({ from: 1, to: 1200, rate: 10 })) eta.observe(progress(r));
  // From 120 s on, one step per second: after two minutes of it the window holds only the slow part.
  let last!: ReturnType<StepEta["observe"]>;
  for (const r of reports({ from: 1201, to: 1320, rate: 1, t0: 121_000, step0: 1201 }))
    last = eta.observe(progress(r));
  assert.ok(Math.abs(last.stepsPerSecond! - 1) < 0.02, String(last.stepsPerSecond));
  // 100 steps at 5/s, then a 20 s validation, four times: the rate counts the pauses (2.5 steps/s).
  const paused = new StepEta({ windowMs: 4 * MINUTE });
  let t = 0;
  let estimate!: ReturnType<StepEta["observe"]>;
  for (let step = 1; step <= 400; step++) {
    t += 200;
    if (step % 100 === 0) t += 20_000;
    estimate = paused.observe({ step, elapsedMs: t, maxSteps: 1000, budgetMs: 600 * MINUTE });
  }
  assert.ok(Math.abs(estimate.stepsPerSecond! - 399 / ((t - 200) / 1000)) < 1e-9);
  assert.ok(estimate.stepsPerSecond! < 2.6 && estimate.stepsPerSecond! > 2.4);
});

test("durations read as h/m/s", () => {
  assert.deepEqual([0, 45_000, 192_000, 3_725_000].map(formatDuration), ["0s", "45s", "3m12s", "1h02m"]);
});

/** A stream that records what is written; `isTTY` as given. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns: 160,
    write(chunk: string) {
      writes.push(chunk);
      return true;
    },
    cursorTo() {
      return true;
    },
    clearLine() {
      return true;
    },
    moveCursor() {
      return true;
    },
    on() {
      return stream;
    },
    removeListener() {
      return stream;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

test("lines (no terminal): the first report, every 10% or 30 s of training, and the last", () => {
  const { stream, writes } = fakeStream(false);
  const progress = createTrainProgress("auto", { label: "verifier", stream });
  for (const r of reports({ from: 1, to: 599, rate: 2 })) {
    progress.update({ ...r, maxSteps: 600, budgetMs: 10 * MINUTE, fields: [["loss", "0.500"]] });
  }
  progress.stop();
  const lines = writes.join("").trimEnd().split("\n");
  // 300 s of training: 10 lines at each 30 s, the 10% marks coincide with some; plus first and last.
  assert.ok(lines.length >= 11 && lines.length <= 22, `${lines.length} lines:\n${lines.join("\n")}`);
  assert.match(lines[0], /^verifier 0% \| step 1\/600 \| loss 0\.500 \| ETA 10m00s \(time budget\)$/);
  const middle = lines.find((l) => l.includes("step 300/600"));
  assert.equal(middle, "verifier 50% | step 300/600 | loss 0.500 | 2.0 steps/s | ETA 2m30s (last step)");
  assert.match(lines.at(-1)!, /^verifier 99% \| step 599\/600 .*ETA 1s \(last step\)$/);
});

test("bar (a terminal): one redrawn line with the share, step, numbers and ETA; none prints nothing", () => {
  const tty = fakeStream(true);
  const bar = createTrainProgress("auto", { label: "sft", stream: tty.stream });
  for (const r of reports({ from: 1, to: 50, rate: 5 })) {
    bar.update({ ...r, maxSteps: 1_000_000, budgetMs: MINUTE, fields: [["acc", "-"]] });
  }
  bar.stop();
  const text = tty.writes.join("");
  assert.match(text, /sft \[[█░]+\] 16% \| step 50 \| acc - \| 5\.0 steps\/s \| ETA 50s \(time budget\)/);
  const quiet = fakeStream(false);
  const none = createTrainProgress("none", { label: "sft", stream: quiet.stream });
  none.update({ step: 1, elapsedMs: 1, maxSteps: 10, budgetMs: 10 });
  none.stop();
  assert.deepEqual(quiet.writes, []);
});
