/**
 * The eval report's two charts, drawn with the shared SVG chart module: accuracy against samples
 * per problem (maj@k and pass@k curves, each strategy's own answer) and against tokens per problem,
 * with the Pareto frontier. Row i is drawn in `seriesStyle(i)` everywhere: charts, table, chips.
 */
import { seriesStyle } from "../web/chart-markers.ts";
import { type ChartPoint, type ChartSeries, lineChart, paretoFrontier } from "../web/svg-chart.ts";
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
