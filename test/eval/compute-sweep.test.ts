import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DeliberateError } from "../../src/errors.ts";
import { parseEvalPlan, readEvalFile } from "../../src/eval/eval-plan.ts";
import { runEvalPlan } from "../../src/eval/run-plan.ts";
import { expandStrategyEntry, parseStrategyEntry } from "../../src/eval/strategy-sweep.ts";
import { answeringBackend, arithmeticSet } from "./helpers/scripted-eval.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "deliberate-sweep-"));

function refused(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(DeliberateError.isInstance(error), String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

test("a comma list of numbers in a strategy's query sweeps that option; other options stay fixed", () => {
  assert.deepEqual(parseStrategyEntry("self-consistency?samples=4,8,16&temperature=0.7"), {
    name: "self-consistency",
    options: { temperature: 0.7 },
    sweep: { samples: [4, 8, 16] },
  });
  assert.deepEqual(parseStrategyEntry("beam?width=2, 4"), { name: "beam", sweep: { width: [2, 4] } });
  // No list, no sweep: the plain spec as before; a JSON array is a value, not budgets.
  assert.deepEqual(parseStrategyEntry("self-consistency?samples=8"), {
    name: "self-consistency",
    options: { samples: 8 },
  });
  assert.deepEqual(parseStrategyEntry('speculative-thinking?cues=["Wait","Hmm"]'), {
    name: "speculative-thinking",
    options: { cues: ["Wait", "Hmm"] },
  });
});

test("each budget becomes its own strategy spec, marked with the swept option, with the key it would have alone", () => {
  assert.deepEqual(expandStrategyEntry(parseStrategyEntry("self-consistency?samples=4,8&temperature=1")), [
    { name: "self-consistency", options: { temperature: 1, samples: 4 }, sweep: "samples" },
    { name: "self-consistency", options: { temperature: 1, samples: 8 }, sweep: "samples" },
  ]);
  assert.deepEqual(expandStrategyEntry({ name: "cot" }), [{ name: "cot" }]);
});

test("sweep errors name the bad value", () => {
  refused(
    () => parseStrategyEntry("self-consistency?samples=4,eight,16"),
    /`eight` in the budgets of `samples` \(4,eight,16\) is not a number/,
  );
  refused(() => parseStrategyEntry("self-consistency?samples=4,,16"), /empty value at position 2/);
  refused(() => parseStrategyEntry("self-consistency?samples=4,"), /empty value at position 2/);
  refused(() => parseStrategyEntry("self-consistency?samples=4,8,4"), /lists 4 twice/);
  refused(
    () => parseStrategyEntry("self-consistency?samples=4,8&temperature=0.5,1"),
    /one option, but `samples` and `temperature` all list values/,
  );
  // Through the plan: the same message, naming the entry.
  refused(
    () =>
      parseEvalPlan({ models: ["m"], datasets: ["d"], strategies: ["cot", "self-consistency?samples=4,x"] }),
    /strategies\.1.*`x` in the budgets of `samples`/,
  );
});

test("a YAML eval file sweeps with `sweep:` beside `options:`; its errors name the file, line and value", () => {
  const dir = tempDir();
  const write = (text: string) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, text);
    return path;
  };
  const plan = readEvalFile(
    write(
      [
        "models: [m.gguf]",
        "datasets: [synthetic:sums?n=2]",
        "strategies:",
        "  - { name: weighted-best-of-n, options: { verifier: reward }, sweep: { samples: [4, 8, 16] } }",
        "  - self-consistency?samples=2,4",
      ].join("\n"),
    ),
  );
  assert.deepEqual(plan.strategies, [
    { name: "weighted-best-of-n", options: { verifier: "reward" }, sweep: { samples: [4, 8, 16] } },
    "self-consistency?samples=2,4",
  ]);
  const bad = (line: string) =>
    write(["models: [m.gguf]", "datasets: [synthetic:sums?n=2]", "strategies:", line].join("\n"));
  refused(
    () => readEvalFile(bad("  - { name: self-consistency, sweep: { samples: [4, eight] } }")),
    /\.yaml:4: `strategies\.0\.sweep\.samples\.1`: `eight` is not a number/,
  );
  refused(
    () =>
      readEvalFile(
        bad("  - { name: self-consistency, options: { samples: 4 }, sweep: { samples: [8, 16] } }"),
      ),
    /\.yaml:4: `strategies\.0\.sweep`: `samples` is both swept and fixed/,
  );
  refused(
    () => readEvalFile(bad("  - self-consistency?samples=4,eight")),
    /\.yaml:4: .*`eight` in the budgets of `samples`/,
  );
});

test("a swept plan runs one cell per budget (the plan's --samples never overrides a sweep of samples); results mark each cell's budget", async () => {
  const dataset = await arithmeticSet(2);
  const plan = parseEvalPlan({
    models: ["scripted"],
    datasets: ["unused"],
    strategies: ["self-consistency?samples=2,4", "cot"],
    samples: 3,
    parameters: { scripted: 1_000 },
    out: tempDir(),
    grader: "sync",
  });
  const run = await runEvalPlan(plan, {
    progress: "none",
    datasets: [dataset],
    backends: { scripted: answeringBackend(dataset) },
  });
  const cells = run.results.cells;
  assert.deepEqual(
    cells.map((c) => [c.strategyOptions.samples, c.budget]),
    [
      [2, { option: "samples", value: 2 }],
      [4, { option: "samples", value: 4 }],
      [undefined, undefined],
    ],
  );
  // The swept cells share a family; each has FLOPs from the given count.
  const points = run.results.computeCurves?.[0].points ?? [];
  assert.deepEqual(
    points.map((p) => p.family),
    ["self-consistency", "self-consistency", "cot"],
  );
  assert.ok(points.every((p) => typeof p.flopsPerProblem === "number" && p.flopsPerProblem > 0));
  // Twice the samples, twice the compute (each sample is its own prompt + completion here).
  assert.ok(Math.abs(points[1].flopsPerProblem! / points[0].flopsPerProblem! - 2) < 1e-9);
  // A strategy without a sweep still takes the plan's samples where it has the option.
  const plain = await runEvalPlan(
    parseEvalPlan({ ...plan, strategies: ["self-consistency"], out: tempDir() }),
    { progress: "none", datasets: [dataset], backends: { scripted: answeringBackend(dataset) } },
  );
  assert.equal(plain.results.cells[0].strategyOptions.samples, 3);
});
