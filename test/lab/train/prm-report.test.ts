import assert from "node:assert/strict";
import { test } from "node:test";
import { buildReportData } from "../../../src/lab/report/report-data.ts";
import type { RunEvent } from "../../../src/lab/report/run-log.ts";

const selection = (majority: number, weighted: number) => ({
  problems: 50,
  k: 4,
  sampleAccuracy: 0.6,
  majority,
  weighted,
  bestOfN: 0.7,
  passAtK: 0.9,
});

const events: RunEvent[] = [
  {
    type: "start",
    step: 0,
    options: { stage: "prm", sft: { task: "sums", difficulty: 6 } },
    parameters: 386400,
    trainSamples: 800,
    trainPrefixes: 5600,
    trainGoodPrefixes: 4000,
    heldOutSamples: 200,
    heldOutPrefixes: 1400,
    heldOutGoodPrefixes: 1000,
  },
  { type: "train", step: 10, loss: 0.9, lr: 0.001, gradNorm: 2, decisionLoss: 0.7, decisionKl: 0.2 },
  {
    type: "eval",
    step: 100,
    stepAuc: 0.7,
    stepAucHard: 0.75,
    trainStepAuc: 0.72,
    trainStepAucHard: 0.8,
    outcomeAucMin: 0.65,
    outcomeAucLast: 0.6,
    decisionKl: 0.15,
    decisionLoss: 0.5,
  },
  {
    type: "final-eval",
    step: 200,
    prefixes: 1400,
    stepAuc: 0.8,
    stepAucHard: 0.9,
    outcomeAucMin: 0.75,
    outcomeAucLast: 0.7,
    solutions: 200,
    decisionKl: 0.1,
    prmSelection: { min: selection(0.8, 0.84), last: selection(0.8, 0.82) },
    verifier: { verifier: "builtin:tiny-reasoner-verifier", auc: 0.59, selection: selection(0.8, 0.78) },
  },
  { type: "stop", step: 200, reason: "steps", elapsedMs: 60_000 },
];

test("PRM report: step and outcome AUC curves end at the final evaluation; decision KL; the summary holds both AUCs", () => {
  const data = buildReportData(events, "prm");
  const ids = data.charts.map((c) => c.id);
  assert.ok(ids.includes("prm-auc") && ids.includes("prm-decision"), ids.join(", "));
  const auc = data.charts.find((c) => c.id === "prm-auc")!;
  assert.equal(auc.percent, true);
  assert.deepEqual(
    auc.series.map((s) => [s.name, s.points]),
    [
      [
        "held-out steps (value > 0)",
        [
          [100, 0.75],
          [200, 0.9],
        ],
      ],
      ["training steps (value > 0)", [[100, 0.8]]],
      [
        "held-out steps (value > ½)",
        [
          [100, 0.7],
          [200, 0.8],
        ],
      ],
      ["training steps (value > ½)", [[100, 0.72]]],
      [
        "held-out outcome (min)",
        [
          [100, 0.65],
          [200, 0.75],
        ],
      ],
      [
        "held-out outcome (last)",
        [
          [100, 0.6],
          [200, 0.7],
        ],
      ],
    ],
  );
  assert.equal(data.charts.find((c) => c.id === "loss")!.title, "Loss (nats per verdict token)");
  const summary = new Map(data.summary);
  assert.equal(summary.get("stage"), "prm");
  assert.equal(
    summary.get("held-out step-level AUC"),
    "0.900 against value > 0 (Math-Shepherd's hard label), 0.800 against value > ½, on 1400 prefixes",
  );
  assert.equal(
    summary.get("held-out outcome-level AUC"),
    "PRM min 0.750, PRM last 0.700, outcome verifier 0.590 (builtin:tiny-reasoner-verifier) on 200 solutions",
  );
  assert.equal(
    summary.get("selection (50 problems × 4)"),
    "majority 80.0%, PRM-weighted best-of-n min 84.0% / last 82.0%, PRM best-of-n min 70.0% / last 70.0%, verifier-weighted 78.0%, pass@k 90.0%",
  );
  assert.equal(
    summary.get("PRM data (Monte-Carlo step labels)"),
    "800 solutions, 5600 step prefixes (4000 trained towards Yes: value ≥ ½) for training; 200 solutions, 1400 prefixes (1000 with value > ½) held out",
  );
  const hard = buildReportData(
    events.map((e) =>
      e.type === "start" ? { ...e, options: { ...(e.options as object), labels: "hard" } } : e,
    ),
    "prm",
  );
  assert.match(
    new Map(hard.summary).get("PRM data (Monte-Carlo step labels)")!,
    /4000 trained towards Yes: value > 0\)/,
  );
  assert.ok(!summary.has("labelled samples"), "the outcome verifier's row is not shown for a PRM");
});

test("PRM report: a verifier or SFT run draws no PRM chart", () => {
  const data = buildReportData([
    { type: "start", step: 0, options: { stage: "verifier" } },
    { type: "train", step: 10, loss: 0.5, lr: 0.001, gradNorm: 1 },
    { type: "eval", step: 10, accuracy: 0.6, auc: 0.7, decisionLoss: 0.6 },
  ]);
  assert.ok(!data.charts.some((c) => c.id.startsWith("prm-")));
});
