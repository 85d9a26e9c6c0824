/**
 * What a run report shows, extracted from the run's log events (see run-log.ts). Events and fields
 * read:
 *
 * - `start` / `resume`: `options` (stage, task, preset, …), `parameters`; GRPO's `promptsPerStep`
 *   turns `informativeGroups` into a share.
 * - `train`: `step` with `loss`, `lr`, `gradNorm` (SFT, verifier); GRPO: `meanReward`,
 *   `informativeGroups`, `clipFraction`, and `meanLength` / `completionTokens` when a run logs them;
 *   DPO: `loss` (the DPO loss, plus the NLL term), `margin`, `preference`, `chosenShift`,
 *   `rejectedShift`, `chosenNll`.
 * - `start` / `resume` with `step` and `greedy` (GRPO, DPO): the validation before the stage's first step.
 * - `eval`: `step` with `greedy` (SFT/GRPO/DPO greedy accuracy) or `accuracy`, `auc`, `decisionLoss`,
 *   `trainAuc` (verifier), `validLoss`; DPO's held-out pairs: `validMargin`, `validPreference`,
 *   `validChosenNll`.
 * - `final-eval`: the last point of the accuracy curves, and the summary (greedy, majority, passAtK; verifier accuracy, auc, selection).
 * - PRM runs: see prm-report.ts.
 * - `stop`: `reason`, `step`, `elapsedMs`.
 *
 * A chart appears only when some series in it has a point, so an SFT run shows no GRPO charts.
 */
import { prmCharts, prmSummary } from "./prm-report.ts";
import type { RunEvent } from "./run-log.ts";

export interface Series {
  name: string;
  /** [step, value] in step order. */
  points: [number, number][];
}

export interface Chart {
  /** Stable id, for tests and anchors. */
  id: string;
  title: string;
  /** Values are shares in [0, 1]: drawn as percentages on a fixed 0–100% axis. */
  percent?: boolean;
  /** Log-scale y axis (loss spans orders of magnitude early on). */
  log?: boolean;
  series: Series[];
}

export interface ReportData {
  title: string;
  /** Key facts, label → text. */
  summary: [string, string][];
  charts: Chart[];
}

export function buildReportData(events: RunEvent[], title = "lab run"): ReportData {
  const start = events.find((e) => e.type === "start");
  const options = (start?.options ?? {}) as Record<string, unknown>;
  const stage = typeof options.stage === "string" ? options.stage : "sft";
  const train = events.filter((e) => e.type === "train");
  // GRPO's start/resume event carries the greedy accuracy before its first step.
  // The final evaluation (same held-out problems) ends the curves.
  const evals = events.filter(
    (e) =>
      e.type === "eval" ||
      e.type === "final-eval" ||
      ((e.type === "start" || e.type === "resume") && typeof e.greedy === "number"),
  );
  const promptsPerStep = typeof options.promptsPerStep === "number" ? options.promptsPerStep : undefined;

  const series = (name: string, from: RunEvent[], value: (e: RunEvent) => unknown): Series => ({
    name,
    points: from.flatMap((e) => {
      const y = value(e);
      return typeof e.step === "number" && typeof y === "number" && Number.isFinite(y)
        ? [[e.step, y] as [number, number]]
        : [];
    }),
  });
  const charts: Chart[] = [
    {
      id: "loss",
      title:
        stage === "verifier" || stage === "prm"
          ? "Loss (nats per verdict token)"
          : stage === "dpo"
            ? "DPO loss −log σ(margin) (nats per pair)"
            : "Loss (nats per target token)",
      log: true,
      series: [
        series("train", train, (e) => e.loss),
        series("validation", evals, (e) => e.validLoss),
        series("held-out verdict token", evals, (e) => e.decisionLoss),
      ],
    },
    { id: "lr", title: "Learning rate", series: [series("lr", train, (e) => e.lr)] },
    {
      id: "accuracy",
      title: stage === "verifier" ? "Held-out verifier accuracy and AUC" : "Validation accuracy (greedy)",
      percent: true,
      series: [
        series("greedy", evals, (e) => e.greedy),
        series("verdict accuracy", evals, (e) => e.accuracy),
        series("AUC", evals, (e) => e.auc),
        series("train-set AUC", evals, (e) => e.trainAuc),
      ],
    },
    {
      id: "reward",
      title: "GRPO mean reward and share of correct samples",
      percent: true,
      series: [
        series("reward", train, (e) => e.meanReward),
        series("correct", train, (e) => e.correctFraction),
      ],
    },
    {
      id: "pass-rates",
      title: "GRPO curriculum: running pass rate per level",
      percent: true,
      series: passRateLevels(train).map((level) =>
        series(`level ${level}`, train, (e) => (e.passRates as Record<string, number> | undefined)?.[level]),
      ),
    },
    {
      id: "signal",
      title: "GRPO groups with signal (rewards differ) and clip fraction",
      percent: true,
      series: [
        series("groups with signal", train, (e) =>
          typeof e.informativeGroups === "number" && promptsPerStep
            ? e.informativeGroups / promptsPerStep
            : undefined,
        ),
        series("clip fraction", train, (e) => e.clipFraction),
      ],
    },
    {
      id: "length",
      title: "GRPO completion length (tokens)",
      series: [series("length", train, (e) => e.meanLength ?? e.completionTokens)],
    },
    {
      id: "dpo-margin",
      title: "DPO reward margin β·[(log π − log π_ref)(chosen) − (…)(rejected)]",
      series: [
        series("train", train, (e) => e.margin),
        series("held-out pairs", evals, (e) => e.validMargin),
      ],
    },
    {
      id: "dpo-preference",
      title: "DPO preference accuracy (share of pairs with a positive margin)",
      percent: true,
      series: [
        series("train", train, (e) => e.preference),
        series("held-out pairs", evals, (e) => e.validPreference),
      ],
    },
    {
      id: "dpo-shift",
      title: "DPO log-prob change from the reference (nats per response)",
      series: [
        series("chosen", train, (e) => e.chosenShift),
        series("rejected", train, (e) => e.rejectedShift),
      ],
    },
    {
      id: "dpo-nll",
      title: "DPO chosen responses' mean NLL per token (the RPO term, weighted by --nll-weight)",
      series: [
        series("train", train, (e) => e.chosenNll),
        series("held-out pairs", evals, (e) => e.validChosenNll),
      ],
    },
    ...prmCharts(train, evals, series),
    {
      id: "grad-norm",
      title: "Gradient norm (before clipping)",
      log: true,
      series: [series("grad norm", train, (e) => e.gradNorm)],
    },
  ];
  return {
    title,
    summary: summarise(events, options, stage),
    charts: charts
      .map((chart) => ({ ...chart, series: chart.series.filter((s) => s.points.length > 0) }))
      .filter((chart) => chart.series.length > 0),
  };
}

/** The levels a GRPO run's curriculum tracked, in order. */
function passRateLevels(train: RunEvent[]): string[] {
  const levels = new Set<string>();
  for (const e of train)
    for (const level of Object.keys((e.passRates as object | undefined) ?? {})) levels.add(level);
  return [...levels].sort((a, b) => Number(a) - Number(b));
}

function summarise(events: RunEvent[], options: Record<string, unknown>, stage: string): [string, string][] {
  const rows: [string, string][] = [["stage", stage]];
  const sft = (options.sft ?? options) as Record<string, unknown>;
  if (typeof sft.task === "string") rows.push(["task", `${sft.task} (difficulty ${sft.difficulty ?? 1})`]);
  if (typeof sft.data === "string") rows.push(["SFT data", sft.data]);
  if (stage === "dpo") {
    rows.push(["preference pairs", `${options.data ?? "?"} (β ${options.beta ?? "?"})`]);
    if (typeof options.init === "string") rows.push(["init (reference)", options.init]);
  }
  if (typeof sft.preset === "string") rows.push(["preset", sft.preset]);
  const start = events.find((e) => e.type === "start");
  if (typeof start?.parameters === "number") rows.push(["parameters", start.parameters.toLocaleString("en")]);
  if (typeof start?.trainSamples === "number" && stage !== "prm")
    rows.push([
      "labelled samples",
      `${start.trainSamples} train (${start.trainPositives} correct), ${start.heldOutSamples} held out (${start.heldOutPositives} correct)`,
    ]);
  const pct = (value: unknown) => (typeof value === "number" ? `${(100 * value).toFixed(1)}%` : "–");
  const final = events.findLast((e) => e.type === "final-eval");
  if (final) {
    if (typeof final.greedy === "number") rows.push(["final greedy accuracy", pct(final.greedy)]);
    if (typeof final.majority === "number") rows.push(["final majority vote", pct(final.majority)]);
    if (typeof final.passAtK === "number") rows.push(["final pass@k", pct(final.passAtK)]);
    if (typeof final.auc === "number")
      rows.push(["held-out verifier", `accuracy ${pct(final.accuracy)}, AUC ${final.auc.toFixed(3)}`]);
    const selection = final.selection as Record<string, number> | undefined;
    if (selection)
      rows.push([
        `selection (${selection.problems} problems × ${selection.k})`,
        `majority ${pct(selection.majority)}, weighted best-of-n ${pct(selection.weighted)} (by P(yes) ${pct(selection.weightedByProbability)}), best-of-n ${pct(selection.bestOfN)}, pass@k ${pct(selection.passAtK)}`,
      ]);
  }
  rows.push(...prmSummary(events));
  const stop = events.findLast((e) => e.type === "stop");
  if (stop) {
    const minutes = typeof stop.elapsedMs === "number" ? `, ${(stop.elapsedMs / 60_000).toFixed(1)} min` : "";
    rows.push(["stopped", `${stop.reason ?? "?"} at step ${stop.step ?? "?"}${minutes}`]);
  } else rows.push(["stopped", "no stop event (still running, or killed)"]);
  return rows;
}
