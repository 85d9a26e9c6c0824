/**
 * The eval report's two charts, drawn with the shared SVG chart module: accuracy against samples
 * per problem (maj@k and pass@k curves, each strategy's own answer) and against tokens per problem,
 * with the Pareto frontier. Row i is drawn in `seriesStyle(i)` everywhere: charts, table, chips.
 */
import { escapeXml, seriesStyle } from "../web/chart-markers.ts";
import { type ChartPoint, type ChartSeries, lineChart, paretoFrontier } from "../web/svg-chart.ts";
import { formatFlops } from "./compute-flops.ts";
import { type ComputeReportGroup, type ComputeReportPoint, computeReport } from "./report-compute.ts";
import { datasetNames } from "./report-labels.ts";
import { percent, type ReportRow } from "./report-rows.ts";

/** Two charts side by side fill a 1,400 px window (body margins and the gap included). */
const CHART_WIDTH = 664;
/** The strategy's own answer stands out from the curves' points. */
const OWN_POINT_SIZE = 6;

export function reportCharts(rows: ReportRow[], labels: string[]): string {
  const bySamples: ChartSeries[] = [];
  const byTokens: ChartSeries[] = [];
  const all: ChartPoint[] = [];
  rows.forEach((r, i) => {
    const name = labels[i];
    // The legend numbers series as the table does: the number still tells two apart if a long
    // label is cut short.
    const style = { ...seriesStyle(i), legendText: `${i + 1}  ${name}` };
    const curves = r.curves.length > 1 ? r.curves : [];
    if (curves.length) {
      bySamples.push(
        {
          name,
          ...style,
          points: curves.map((p) => ({ x: p.k, y: p.maj, label: `${name}: maj@${p.k} ${percent(p.maj)}` })),
        },
        {
          name: `${name} pass@k`,
          ...style,
          dashed: true,
          markers: "none",
          legend: false,
          points: curves.map((p) => ({ x: p.k, y: p.pass })),
        },
      );
      // The policy's samples, k of the N it drew: k/N of its tokens per problem (prompt included,
      // so the curve meets the strategy's own point when the policy is the only model).
      const n = curves.at(-1)!.k;
      const points = curves.map((p) => ({
        x: Math.max(1, (r.policyTokens * p.k) / n),
        y: p.maj,
        label: `${name}: maj@${p.k} ${percent(p.maj)}`,
      }));
      byTokens.push({ name, ...style, points });
      all.push(...points);
    }
    // The strategy's own answer: accuracy at its samples, and at the tokens of every model it used.
    const samples = r.curves.at(-1)?.k ?? 1;
    const own = { ...style, scatter: true, markerSize: OWN_POINT_SIZE, legend: curves.length === 0 };
    bySamples.push({
      name,
      ...own,
      points: [{ x: samples, y: r.accuracy, label: `${name}: ${percent(r.accuracy)}` }],
    });
    const point = {
      x: Math.max(1, r.tokens),
      y: r.accuracy,
      label: `${name}: ${percent(r.accuracy)} at ${r.tokens.toFixed(0)} tokens${r.large ? ` (${r.large.tokens.toFixed(0)} of the large model)` : ""}${r.escalationShare === undefined ? "" : `, ${percent(r.escalationShare)} escalated`}`,
    };
    byTokens.push({ name, ...own, points: [point] });
    all.push(point);
  });
  byTokens.push({
    name: "Pareto frontier",
    color: "#111",
    emphasis: true,
    markers: "none",
    points: paretoFrontier(all),
  });
  const keys = [
    ...(rows.some((r) => r.curves.length > 1)
      ? [
          { text: "solid: majority of k samples (maj@k)", color: "#555" },
          { text: "dashed: any of k samples right (pass@k)", color: "#555", dashed: true },
        ]
      : []),
    {
      text: "large marker: the strategy's own answer",
      color: "#555",
      line: false,
      marker: "circle" as const,
      markerSize: 5,
    },
  ];
  const common = { yLabel: "accuracy", logX: true, percent: true, width: CHART_WIDTH, height: 320 };
  return `<div class="charts">${lineChart(bySamples, {
    ...common,
    id: "samples",
    title: "Accuracy vs samples",
    xLabel: "samples per problem (k)",
    keys,
  })}${lineChart(byTokens, {
    ...common,
    id: "tokens",
    title: "Accuracy vs tokens",
    xLabel: "tokens per problem (prompt + completion, all models)",
    keys: keys.filter((k) => !k.dashed),
  })}</div>`;
}

/** A compute chart's points, px; the frontier's dot marks one from inside. */
const COMPUTE_POINT_SIZE = 5;
const FRONTIER_DOT_SIZE = 2.2;

/** The frontier's own name: its polyline and its point marks carry it as `data-series`. */
export const FRONTIER_SERIES = "Pareto frontier";

/**
 * "Does search pay here?": per dataset, accuracy against model FLOPs per problem (log scale), one
 * series per strategy family (its budgets joined), the Pareto frontier over every point drawn on
 * top with each of its points marked; rows whose FLOPs are unknown are named under the chart.
 * Empty for runs written before results carried compute.
 */
export function computeCharts(rows: ReportRow[], labels: string[]): string {
  const groups = computeReport(rows, labels);
  if (groups.length === 0) return "";
  const names = datasetNames(groups.map((g) => g.dataset));
  // A dataset none of whose points has known FLOPs gets the note below, not an empty plot.
  const charts = groups
    .filter((group) => group.points.some(drawable))
    .map((group) =>
      computeChart(
        group,
        groups.length > 1 ? `Accuracy vs compute · ${names.get(group.dataset)}` : undefined,
      ),
    );
  const unknown = groups.flatMap((g) => g.points.filter((p) => p.flops === null));
  const models = [...new Set(groups.flatMap((g) => g.unknownParameters))];
  const note = unknown.length
    ? `<p class="hint unknown-flops">FLOPs unknown, so not on the chart: ${unknown.map((p) => escapeXml(p.label)).join("; ")} — no parameter count for ${models.map((m) => `<code>${escapeXml(m)}</code>`).join(", ")} (give one with <code>--parameters SPEC=COUNT</code> or <code>parameters:</code> in the eval file).</p>`
    : "";
  return `<h2>Accuracy vs compute</h2>${charts.length ? `<div class="charts">${charts.join("")}</div>` : ""}${note}`;
}

/** Points a log axis can place: known, non-zero FLOPs. */
const drawable = (p: ComputeReportPoint) => p.flops !== null && p.flops > 0;

/** One dataset's chart: a series per family, then the frontier. */
export function computeChart(group: ComputeReportGroup, title = "Accuracy vs compute"): string {
  const point = (p: ComputeReportPoint) => ({
    x: p.flops as number,
    y: p.accuracy,
    label: `${p.label}: ${percent(p.accuracy)} at ${formatFlops(p.flops)} FLOPs/problem${p.onFrontier ? " (on the Pareto frontier)" : ""}`,
  });
  const series: ChartSeries[] = group.series.map((s, i) => ({
    name: s.label,
    ...seriesStyle(i),
    // Big enough that the frontier's dot sits visibly inside a point it marks.
    markerSize: COMPUTE_POINT_SIZE,
    points: s.points.filter(drawable).map(point),
  }));
  const frontier = group.points
    .filter((p) => p.onFrontier && drawable(p))
    .sort((a, b) => (a.flops as number) - (b.flops as number));
  series.push({
    name: FRONTIER_SERIES,
    color: "#111",
    emphasis: true,
    marker: "circle",
    markerSize: FRONTIER_DOT_SIZE,
    points: frontier.map(point),
  });
  return lineChart(series, {
    id: `compute-${group.dataset}`,
    title,
    xLabel: "model FLOPs per problem (2 × parameters × tokens, every model call)",
    yLabel: "accuracy",
    logX: true,
    logXBase: 10,
    formatX: formatFlops,
    percent: true,
    width: CHART_WIDTH,
    height: 320,
  });
}
