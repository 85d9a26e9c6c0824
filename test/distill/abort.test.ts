import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { distill } from "../../src/distill/distill.ts";
import { scriptedTeacher, sumsSet, workedTrace } from "./helpers/scripted-teacher.ts";

test("an aborted distill writes nothing and says so; the next run reuses what finished and completes", async () => {
  const dataset = await sumsSet(12);
  const controller = new AbortController();
  // The teacher aborts the run when asked its fifth problem: a fixed point, whatever the timing.
  const teacher = scriptedTeacher(dataset, (turn) => {
    if (turn.problem === 4 && turn.sample === 0) controller.abort();
    return workedTrace(turn, turn.item.gold);
  });
  const out = mkdtempSync(join(tmpdir(), "deliberate-distill-abort-"));
  const options = {
    teachers: ["scripted"],
    backends: { scripted: teacher },
    dataset: "synthetic:sums?difficulty=3&n=12&seed=5",
    samples: 3,
    concurrency: 1,
    out,
    grader: "sync" as const,
    progress: "none" as const,
  };
  const aborted = await distill({ ...options, signal: controller.signal });
  assert.equal(aborted.interrupted, true);
  assert.equal(aborted.manifest, undefined);
  assert.equal(existsSync(join(out, "manifest.json")), false, "no dataset folder from a partial run");
  assert.equal(aborted.passes.eval.solved, 4, "the four problems before the abort are stored");

  const resumed = await distill(options);
  assert.equal(resumed.interrupted, false);
  assert.equal(resumed.passes.eval.reused, 4);
  assert.equal(resumed.passes.eval.solved, 8);
  assert.equal(resumed.manifest?.counts.traces, 12 * 3);
  assert.ok(existsSync(join(out, "manifest.json")));
  await teacher.close();
});
