/**
 * `deliberate train report DIR`: DIR/report.html, one self-contained page (inline CSS, SVG and a
 * few lines of JavaScript; no network) with the run's curves — loss, learning rate, validation
 * accuracy, and GRPO reward / groups with signal / length when the log has them — read from
 * DIR/log.jsonl (events and fields: see report-data.ts).
 */
import { writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { buildReportData, type ReportData } from "./report-data.ts";
import { readRunLog } from "./run-log.ts";
import { esc, renderChart } from "./svg-chart.ts";

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

export function renderReport(data: ReportData, skipped = 0): string {
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
.chart .title{font-weight:600;font-size:13px}.chart .frame{fill:none;stroke:#9ca3af}
.chart .grid{stroke:#e5e7eb}.chart .tick,.chart .axis{font-size:11px;fill:#4b5563}.chart .legend{font-size:11px;fill:#111}
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
