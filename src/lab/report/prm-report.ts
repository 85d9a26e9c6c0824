/**
 * What a PRM run's report adds (`--stage prm`, fields of src/lab/train/prm.ts's log):
 *
 * - `eval` / `final-eval`: `stepAucHard` (held-out prefixes against Math-Shepherd's hard label, value
 *   > 0), `stepAuc` (against value > ½), `trainStepAucHard`, `trainStepAuc`,
 *   `outcomeAucMin` / `outcomeAucLast` (step scores aggregated, against the solution's correctness),
 *   `decisionKl`; the final one also `prmSelection` (majority vs. PRM-weighted votes, per
 *   aggregation) and `verifier` (an outcome verifier on the same solutions: its `auc`, `selection`);
 * - `train`: `decisionLoss`, `decisionKl` (the soft target's loss on the deciding verdict token);
 * - `start`: `trainSamples`, `trainPrefixes`, `trainGoodPrefixes`, `heldOutSamples`, `heldOutPrefixes`,
 *   `heldOutGoodPrefixes`.
 */
import type { Chart, Series } from "./report-data.ts";
import type { RunEvent } from "./run-log.ts";

type SeriesOf = (name: string, from: RunEvent[], value: (e: RunEvent) => unknown) => Series;

/** The PRM's charts; without PRM fields their series are empty and the report drops them. */
export function prmCharts(train: RunEvent[], evals: RunEvent[], series: SeriesOf): Chart[] {
  return [
    {
      id: "prm-auc",
      title:
        "PRM AUC: step level (prefix score vs. MC value > 0, and > ½) and outcome level (min / last step score)",
      percent: true,
      series: [
        series("held-out steps (value > 0)", evals, (e) => e.stepAucHard),
        series("training steps (value > 0)", evals, (e) => e.trainStepAucHard),
        series("held-out steps (value > ½)", evals, (e) => e.stepAuc),
        series("training steps (value > ½)", evals, (e) => e.trainStepAuc),
        series("held-out outcome (min)", evals, (e) => e.outcomeAucMin),
        series("held-out outcome (last)", evals, (e) => e.outcomeAucLast),
      ],
    },
    {
      id: "prm-decision",
      title: "PRM deciding verdict token: KL from the soft target (nats)",
      series: [
        series("train", train, (e) => e.decisionKl),
        series("held-out", evals, (e) => e.decisionKl),
        series("training set", evals, (e) => e.trainDecisionKl),
      ],
    },
  ];
}

/** The PRM's summary rows: its data, its held-out AUCs beside the outcome verifier's, selection. */
export function prmSummary(events: RunEvent[]): [string, string][] {
  const rows: [string, string][] = [];
  const start = events.find((e) => e.type === "start");
  if (typeof start?.trainPrefixes === "number") {
    rows.push([
      "PRM data (Monte-Carlo step labels)",
      `${start.trainSamples} solutions, ${start.trainPrefixes} step prefixes (${start.trainGoodPrefixes} trained towards Yes: value ${(start.options as { labels?: string } | undefined)?.labels === "hard" ? "> 0" : "≥ ½"}) for training; ${start.heldOutSamples} solutions, ${start.heldOutPrefixes} prefixes (${start.heldOutGoodPrefixes} with value > ½) held out`,
    ]);
  }
  const final = events.findLast((e) => e.type === "final-eval");
  if (!final || typeof final.prefixes !== "number") return rows;
  const auc = (value: unknown) => (typeof value === "number" ? value.toFixed(3) : "–");
  const pct = (value: unknown) => (typeof value === "number" ? `${(100 * value).toFixed(1)}%` : "–");
  rows.push([
    "held-out step-level AUC",
    `${auc(final.stepAucHard)} against value > 0 (Math-Shepherd's hard label), ${auc(final.stepAuc)} against value > ½, on ${final.prefixes} prefixes`,
  ]);
  const verifier = final.verifier as
    | { auc?: number; verifier?: string; selection?: Record<string, number> }
    | undefined;
  rows.push([
    "held-out outcome-level AUC",
    `PRM min ${auc(final.outcomeAucMin)}, PRM last ${auc(final.outcomeAucLast)}${verifier ? `, outcome verifier ${auc(verifier.auc)} (${verifier.verifier})` : ""} on ${final.solutions} solutions`,
  ]);
  const selection = final.prmSelection as Record<"min" | "last", Record<string, number>> | undefined;
  if (selection) {
    rows.push([
      `selection (${selection.min.problems} problems × ${selection.min.k})`,
      `majority ${pct(selection.min.majority)}, PRM-weighted best-of-n min ${pct(selection.min.weighted)} / last ${pct(selection.last.weighted)}, PRM best-of-n min ${pct(selection.min.bestOfN)} / last ${pct(selection.last.bestOfN)}${verifier?.selection ? `, verifier-weighted ${pct(verifier.selection.weighted)}` : ""}, pass@k ${pct(selection.min.passAtK)}`,
    ]);
  }
  return rows;
}
