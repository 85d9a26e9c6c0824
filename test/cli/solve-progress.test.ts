/**
 * `deliberate solve`'s progress, read from the trace a real solve records (scripted models): samples
 * done of the total, the leading answer, the vote; nothing for single-call strategies.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type SolveProgressMode, showSolveProgress } from "../../src/cli/solve-progress.ts";
import { readAnswer } from "../../src/run/answers.ts";
import { solve } from "../../src/strategies/index.ts";
import type { Backends, Problem } from "../../src/strategies/types.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";

const problem: Problem = { messages: [{ role: "user", content: "What is 6 * 7?" }] };

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    write(chunk: string) {
      writes.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

async function progressOf(
  strategy: string,
  options: Record<string, unknown>,
  backends: Backends,
  mode: SolveProgressMode = "lines",
  isTTY = false,
) {
  const { stream, writes } = fakeStream(isTTY);
  const trace = new TraceRecorder();
  let clock = 0;
  const stop = showSolveProgress(trace, mode, {
    stream,
    keyOf: (text) => readAnswer(problem, text).key,
    // A clock that moves 100 ms per reading: the bar's time is deterministic.
    now: () => (clock += 100),
    tickMs: 60_000,
  });
  const solution = await solve(problem, { strategy, options, backends, seed: 3, trace });
  stop();
  return { solution, text: writes.join(""), lines: writes.join("").trimEnd().split("\n") };
}

test("self-consistency in batches: samples done of the total, the leader, then the vote", async () => {
  const policy = new ScriptedBackend({ answers: { "42": 3, "41": 1 } });
  const { solution, lines } = await progressOf(
    "self-consistency",
    { samples: 6, batchSize: 2, stopping: { rule: "none" } },
    { policy },
  );
  assert.deepEqual(
    lines.map((l) => l.replace(/leading \d+ \(\d+ of \d+\)/, "leading X")),
    [
      "self-consistency: 0/6 samples",
      "self-consistency: 2/6 samples · leading X",
      "self-consistency: 4/6 samples · leading X",
      "self-consistency: 6/6 samples · leading X",
      `self-consistency: 6/6 samples · vote ${solution.key} (${lines.at(-1)!.match(/\((\d+) of 6\)/)![1]} of 6)`,
    ],
  );
  // The running leader is the tally of the samples' answer keys.
  assert.match(lines[3], /leading (41|42) \(\d of 6\)/);
});

test("adaptive stopping: the count stops short of the total, with the rule's decision", async () => {
  const policy = new ScriptedBackend({ answers: { "42": 1 } });
  const { lines } = await progressOf(
    "self-consistency",
    { samples: 16, stopping: { rule: "esc", window: 4 } },
    { policy },
  );
  assert.equal(lines.at(-1), "self-consistency: 4/16 samples · vote 42 (4 of 4) · stop");
});

test("a cascade that escalates: the large model's samples raise the total and get their own vote", async () => {
  const small = new ScriptedBackend({ id: "small", answers: { "40": 1, "41": 1, "43": 1 } });
  const large = new ScriptedBackend({ id: "large", answers: { "42": 1 } });
  const { solution, lines } = await progressOf(
    "cascade",
    { samples: 3, threshold: 0.9, largeSamples: 1 },
    { policy: small, large },
  );
  assert.equal(solution.key, "42");
  assert.match(lines.join("\n"), /^cascade: 3\/3 samples · vote \d+ \(\d of 3\) · escalate$/m);
  assert.equal(lines.at(-1), "cascade: 4/4 samples · vote 42 (1 of 1) · escalate");
});

test("single-call strategies show nothing; auto shows nothing off a terminal", async () => {
  const policy = new ScriptedBackend({ answers: { "42": 1 } });
  assert.equal((await progressOf("cot", {}, { policy })).text, "");
  assert.equal((await progressOf("self-consistency", { samples: 4 }, { policy }, "auto")).text, "");
});

test("on a terminal: one line redrawn in place with the time, cleared before the answer is printed", async () => {
  const policy = new ScriptedBackend({ answers: { "42": 1 } });
  const { text } = await progressOf("self-consistency", { samples: 4 }, { policy }, "auto", true);
  assert.ok(!text.includes("\n"), JSON.stringify(text));
  // Each redraw starts with carriage return + clear-line; written as `|` to match on.
  const redraws = text.replaceAll("\r\x1b[K", "|");
  assert.match(redraws, /\|self-consistency: 0\/4 samples \(4 sampling\) · \d\.\d s/);
  assert.match(redraws, /\|self-consistency: 4\/4 samples · vote 42 \(4 of 4\) · \d\.\d s/);
  assert.ok(text.endsWith("\r\x1b[K"), "the line is cleared at the end");
});
