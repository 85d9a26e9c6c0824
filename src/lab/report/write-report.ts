/**
 * `deliberate train report DIR`: DIR/report.html, one self-contained page (inline CSS, SVG and a
 * few lines of JavaScript; no network) with the run's curves — loss, learning rate, validation
 * accuracy, and GRPO reward / groups with signal / length when the log has them — read from
 * DIR/log.jsonl (events and fields: see report-data.ts).
 */
import { writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { escapeXml as esc, seriesStyle } from "../../web/chart-markers.ts";
import { chartCss, formatNumber, lineChart } from "../../web/svg-chart.ts";
import type { Chart } from "./report-data.ts";
import { buildReportData, type ReportData } from "./report-data.ts";
import { readRunLog } from "./run-log.ts";

export interface WriteReportResult {
  path: string;
  /** Ids of the charts drawn. */
  charts: string[];
  /** Log lines that could not be read. */
  skipped: number;
}

export async function writeReport(dir: string): Promise<WriteReportResult> {
  const { events, skipped } = await readRunLog(join(dir, "log.jsonl"));
  const data = buildReportData(events, basename(resolve(dir)));
  const path = join(dir, "report.html");
  await writeFile(path, renderReport(data, skipped));
  return { path, charts: data.charts.map((c) => c.id), skipped };
}

function renderReport(data: ReportData, skipped = 0): string {
  const rows = data.summary.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
  const charts = data.charts
    .map(
      (chart) =>
        `<figure>${renderChart(chart)}<figcaption class="readout" data-for="${esc(chart.id)}">&nbsp;</figcaption></figure>`,
    )
    .join("\n");
  // The hover readout needs each chart's series values by step; "<" is escaped so no string in the
  // data can close the script element.
  const payload = JSON.stringify(
    data.charts.map((c) => ({ id: c.id, percent: c.percent === true, series: c.series })),
  ).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(data.title)} — deliberate lab report</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#111;background:#fff}
h1{font-size:20px;margin:0 0 12px}
table{border-collapse:collapse;margin-bottom:16px}th,td{text-align:left;padding:3px 10px;border-bottom:1px solid #e5e7eb}
th{font-weight:600;color:#374151}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}
${chartCss}
.readout{font-size:12px;color:#374151;min-height:1.2em;padding-left:58px}
.note{color:#6b7280}
</style></head><body>
<h1>${esc(data.title)}</h1>
<table>${rows}</table>
${skipped > 0 ? `<p class="note">${skipped} unreadable log line(s) skipped.</p>` : ""}
${data.charts.length === 0 ? '<p class="note">The log has no training events yet.</p>' : ""}
<div class="charts">
${charts}
</div>
<script type="application/json" id="report-data">${payload}</script>
<script>
// Hover: the values of every series at the step under the cursor.
const charts = JSON.parse(document.getElementById("report-data").textContent);
for (const chart of charts) {
  const svg = document.querySelector('svg[data-chart="' + chart.id + '"]');
  const out = document.querySelector('.readout[data-for="' + chart.id + '"]');
  const frame = svg.querySelector(".frame");
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0]));
  const min = Math.min(...xs), max = Math.max(...xs, min + 1);
  svg.addEventListener("mousemove", (event) => {
    const box = frame.getBoundingClientRect();
    const step = min + ((event.clientX - box.left) / box.width) * (max - min);
    out.textContent = "step " + Math.round(step) + ": " + chart.series.map((s) => {
      let best = s.points[0];
      for (const p of s.points) if (Math.abs(p[0] - step) < Math.abs(best[0] - step)) best = p;
      const v = chart.percent ? (100 * best[1]).toFixed(1) + "%" : Number(best[1].toPrecision(4));
      return s.name + " " + v;
    }).join(", ");
  });
}
</script>
</body></html>
`;
}

/** A lab chart (steps on x) in the shared chart style; each legend entry ends with its last value. */
function renderChart(chart: Chart): string {
  const value = (v: number) => (chart.percent ? `${(100 * v).toFixed(1)}%` : formatNumber(v));
  return lineChart(
    chart.series.map((series, i) => {
      const last = series.points.at(-1);
      return {
        name: series.name,
        ...seriesStyle(i),
        // Curves of thousands of steps: a marker at the end only, where the legend's value is read.
        markers: "last" as const,
        points: series.points.map(([x, y]) => ({ x, y })),
        legendText: last ? `${series.name} ${value(last[1])}` : series.name,
      };
    }),
    {
      id: chart.id,
      title: chart.title,
      xLabel: "step",
      percent: chart.percent,
      logY: chart.log,
      height: 260,
    },
  );
}
