import assert from "node:assert/strict";
import { test } from "node:test";
import { isLong, mixByLength } from "../../src/distill/mix.ts";
import type { DistilledTrace } from "../../src/distill/types.ts";

function trace(id: string, tokens: number, thinking = false): DistilledTrace {
  return {
    id,
    problemId: `p${id}`,
    question: "q",
    gold: "1",
    kind: "math",
    teacher: "t",
    source: "sample",
    sample: 0,
    text: thinking ? `<think>${id}</think> 1` : id,
    thinking,
    predicted: "1",
    correct: true,
    tokens,
  };
}

/** 20 long traces (5 thinking-style, 15 over 100 tokens) and 80 short ones, interleaved. */
const traces = Array.from({ length: 100 }, (_, i) => {
  if (i % 20 === 0) return trace(`t${i}`, 40, true);
  if (i % 10 === 0) return trace(`t${i}`, 200);
  if (i % 10 === 5) return trace(`t${i}`, 500);
  return trace(`t${i}`, 40);
});

test("long = thinking-style or over the token threshold", () => {
  assert.equal(isLong(trace("a", 10, true), 100), true);
  assert.equal(isLong(trace("a", 101), 100), true);
  assert.equal(isLong(trace("a", 100), 100), false);
});

test("mixing keeps the scarce side whole and as many of the other as the ratio allows", () => {
  const longCount = traces.filter((t) => isLong(t, 100)).length;
  assert.equal(longCount, 20);
  // 20 long, 80 short; R = 0.5: all 20 long and 20 of the short.
  const half = mixByLength(traces, { longShare: 0.5, longTokens: 100 });
  assert.equal(half.keptLong, 20);
  assert.equal(half.keptShort, 20);
  assert.equal(half.kept.filter((t) => isLong(t, 100)).length, 20);
  assert.equal(half.kept.length, 40);
  assert.equal(half.dropped.length, 60);
  assert.equal(half.reached, true);
  // R = 0.1: all 80 short, round(0.1 × 80 / 0.9) = 9 long.
  const tenth = mixByLength(traces, { longShare: 0.1, longTokens: 100 });
  assert.deepEqual([tenth.keptLong, tenth.keptShort], [9, 80]);
  assert.equal(tenth.reached, true);
  // Kept traces keep their input order.
  const order = traces.map((t) => t.id);
  const kept = tenth.kept.map((t) => order.indexOf(t.id));
  assert.deepEqual(
    kept,
    [...kept].sort((a, b) => a - b),
  );
  // R = 1 and 0: one side only.
  assert.equal(mixByLength(traces, { longShare: 1, longTokens: 100 }).kept.length, 20);
  assert.equal(mixByLength(traces, { longShare: 0, longTokens: 100 }).kept.length, 80);
});

test("mixing is deterministic for a seed and spreads the choice over the input", () => {
  const a = mixByLength(traces, { longShare: 0.5, longTokens: 100, seed: 1 });
  const b = mixByLength(traces, { longShare: 0.5, longTokens: 100, seed: 1 });
  const c = mixByLength(traces, { longShare: 0.5, longTokens: 100, seed: 2 });
  assert.deepEqual(
    a.kept.map((t) => t.id),
    b.kept.map((t) => t.id),
  );
  assert.notDeepEqual(
    a.kept.map((t) => t.id),
    c.kept.map((t) => t.id),
  );
  // Not simply the first 20 short traces: some come from the second half of the input.
  const shortKept = a.kept.filter((t) => !isLong(t, 100)).map((t) => Number(t.id.slice(1)));
  assert.ok(
    shortKept.some((i) => i >= 50),
    shortKept.join(","),
  );
});

test("with one side empty the ratio cannot be met: everything is kept and `reached` says so", () => {
  const short = traces.filter((t) => !isLong(t, 100));
  const result = mixByLength(short, { longShare: 0.3, longTokens: 100 });
  assert.equal(result.kept.length, short.length);
  assert.equal(result.reached, false);
  assert.throws(
    () => mixByLength(short, { longShare: 1.5, longTokens: 100 }),
    /`mixLong` must be in \[0, 1\]/,
  );
});
