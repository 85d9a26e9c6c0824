/**
 * `deliberate report RUN [RUN…]`: one self-contained HTML page (tables with CIs, accuracy vs
 * samples and vs tokens with the Pareto frontier, per-problem drill-down with traces), plus a
 * Markdown summary and the JSON behind them. One run writes into its own folder by default.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type LoadReportOptions, loadReportRuns } from "./report-data.ts";
import { reportHtml } from "./report-html.ts";
import { reportMarkdown } from "./report-markdown.ts";
import { type ReportRow, reportRows } from "./report-rows.ts";

export interface WriteReportOptions extends LoadReportOptions {
  /** Run folders (or their results.json files); several are shown side by side. */
  runs: string[];
  /** The HTML file. Default: `RUN/report.html` for one run, `./report.html` for several. */
  out?: string;
  title?: string;
}

export interface WriteReportResult {
  html: string;
  markdown: string;
  json: string;
  rows: ReportRow[];
}

export async function writeReport(options: WriteReportOptions): Promise<WriteReportResult> {
  const runs = await loadReportRuns(options.runs, options);
  const rows = reportRows(runs);
  const out = resolve(options.out ?? (runs.length === 1 ? join(runs[0].dir, "report.html") : "report.html"));
  mkdirSync(dirname(out), { recursive: true });
  const base = out.replace(/\.html?$/i, "");
  const markdownPath = `${base}.md`;
  const jsonPath = `${base}.json`;
  writeFileSync(out, reportHtml(runs, rows, options.title));
  writeFileSync(markdownPath, reportMarkdown(rows, options.title));
  writeFileSync(
    jsonPath,
    `${JSON.stringify({ runs: runs.map((r) => ({ label: r.label, dir: r.dir, results: r.results })), rows }, null, 2)}\n`,
  );
  return { html: out, markdown: markdownPath, json: jsonPath, rows };
}
