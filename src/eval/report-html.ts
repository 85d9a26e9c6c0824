/**
 * The report as ONE self-contained HTML file: inline CSS, inline SVG charts, a little inline JS
 * for filtering the drill-down; no network access of any kind.
 */
import { markerIcon, seriesStyle } from "../web/chart-markers.ts";
import { chartCss } from "../web/svg-chart.ts";
import { computeCharts, reportCharts } from "./report-charts.ts";
import type { ReportRecord, ReportRun } from "./report-data.ts";
import { reportLabels } from "./report-labels.ts";
import {
  commonCostUnit,
  formatCost,
  hasCost,
  hasRoles,
  percent,
  type ReportRow,
  vsLargeText,
} from "./report-rows.ts";

function html(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const style = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; background: #fff; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
  .meta { color: #666; font-size: 12px; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0 10px; font-size: 13px; }
  dl.facts dt { color: #666; } dl.facts dd { margin: 0; }
  table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
  th, td { padding: 4px 7px; border-bottom: 1px solid #e3e3e3; text-align: left; vertical-align: top; }
  th { font-weight: 600; vertical-align: bottom; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.num, td.ci { white-space: nowrap; }
  th.num { max-width: 84px; }
  td.vs { min-width: 130px; max-width: 170px; }
  td.label .part, dl.facts .part { white-space: nowrap; }
  td.sid { white-space: nowrap; font-variant-numeric: tabular-nums; color: #555; }
  svg.marker { vertical-align: -1px; margin-right: 3px; }
  .unit { font-weight: normal; color: #666; }
  ${chartCss}
  .charts { display: flex; flex-wrap: wrap; gap: 16px; }
  .filters { margin: 8px 0; display: flex; gap: 12px; align-items: center; }
  #search { width: 260px; }
  .hint { color: #666; font-size: 12px; }
  details.item { border: 1px solid #e3e3e3; border-radius: 6px; margin: 4px 0; padding: 4px 8px; }
  details.item > summary { cursor: pointer; }
  details.item > summary .pid { display: inline-block; }
  .run-chips { display: inline-flex; align-items: center; gap: 1px; margin-left: 8px; white-space: nowrap; }
  .run-chips .sid { font-size: 11px; color: #555; margin-right: 2px; font-variant-numeric: tabular-nums; }
  .chip { display: inline-block; min-width: 14px; padding: 0 4px; border-radius: 3px; font-size: 11px; color: #fff; text-align: center; }
  .ok { background: #2e8540; } .bad { background: #c0392b; } .err { background: #888; }
  .attempt { margin: 6px 0 6px 12px; padding-left: 8px; border-left: 3px solid #ddd; }
  pre { white-space: pre-wrap; word-break: break-word; background: #f6f6f6; padding: 6px; border-radius: 4px; margin: 4px 0; font-size: 12px; }
  .step { font-size: 12px; } .step .kind { color: #666; font-family: ui-monospace, monospace; }
  .hidden { display: none; }
`;

// Filters the drill-down by text and by outcome; the only script on the page.
const script = `
(() => {
  const search = document.getElementById("search");
  const outcome = document.getElementById("outcome");
  const items = Array.from(document.querySelectorAll("details.item"));
  const count = document.getElementById("shown");
  function apply() {
    const q = search.value.trim().toLowerCase();
    const o = outcome.value;
    let shown = 0;
    for (const el of items) {
      const text = el.dataset.search || "";
      const right = Number(el.dataset.right), total = Number(el.dataset.total);
      const byOutcome = o === "all" || (o === "wrong" && right < total) || (o === "right" && right === total)
        || (o === "split" && right > 0 && right < total);
      const visible = byOutcome && (q === "" || text.includes(q));
      el.classList.toggle("hidden", !visible);
      if (visible) shown++;
    }
    count.textContent = String(shown);
  }
  search.addEventListener("input", apply);
  outcome.addEventListener("change", apply);
  apply();
})();
`;

/** Row i's marker and number, the same in the table, the charts and the drill-down's chips. */
function seriesId(i: number): string {
  const { color, marker } = seriesStyle(i);
  return `${markerIcon(marker, color)}${i + 1}`;
}

function resultsTable(rows: ReportRow[], labels: string[]): string {
  const roles = hasRoles(rows);
  const costs = hasCost(rows);
  const unit = commonCostUnit(rows);
  // The unit in the header when every row shares it, else beside each value.
  const unitHead = unit ? ` <span class="unit">(${html(unit)})</span>` : "";
  const costCell = (value: number | undefined, r: ReportRow) =>
    `<td class="num">${value === undefined ? "–" : `${formatCost(value)}${unit || !r.costUnit ? "" : ` ${html(r.costUnit)}`}`}</td>`;
  // Role columns only when some cell has the role, and cost columns only when something has a price.
  const head = [
    '<th class="num">#</th>',
    "<th>series</th>",
    '<th class="num">n</th>',
    '<th class="num">accuracy</th>',
    "<th>95% CI</th>",
    '<th class="num">tokens /item</th>',
    '<th class="num">calls /item</th>',
    ...(costs ? [`<th class="num">cost /item${unitHead}</th>`] : []),
    ...(roles.large
      ? [
          '<th class="num">large tokens /item</th>',
          ...(costs ? [`<th class="num">large cost /item${unitHead}</th>`] : []),
        ]
      : []),
    ...(roles.verifier
      ? [
          '<th class="num">verifier tokens /item</th>',
          ...(costs ? [`<th class="num">verifier cost /item${unitHead}</th>`] : []),
        ]
      : []),
    ...(roles.cascade ? ['<th class="num">escalated</th>', "<th>vs large alone</th>"] : []),
    '<th class="num">errors</th>',
  ].join("");
  const body = rows
    .map((r, i) =>
      [
        `<tr data-series="${html(labels[i])}">`,
        `<td class="sid">${seriesId(i)}</td>`,
        `<td class="label">${labelHtml(labels[i])}</td>`,
        `<td class="num">${r.n}</td>`,
        `<td class="num"><b>${percent(r.accuracy)}</b></td>`,
        `<td class="ci">${percent(r.ci95[0])} – ${percent(r.ci95[1])}</td>`,
        `<td class="num">${r.tokens.toFixed(0)}</td>`,
        `<td class="num">${r.calls.toFixed(2)}</td>`,
        ...(costs ? [costCell(r.costPerItem, r)] : []),
        ...(roles.large
          ? [
              `<td class="num">${r.large ? r.large.tokens.toFixed(0) : "–"}</td>`,
              ...(costs ? [costCell(r.large?.costPerItem, r)] : []),
            ]
          : []),
        ...(roles.verifier
          ? [
              `<td class="num">${r.verifier ? r.verifier.tokens.toFixed(0) : "–"}</td>`,
              ...(costs ? [costCell(r.verifier?.costPerItem, r)] : []),
            ]
          : []),
        ...(roles.cascade
          ? [
              `<td class="num escalated">${r.escalationShare === undefined ? "–" : percent(r.escalationShare)}</td>`,
              `<td class="vs">${r.vsLarge ? html(vsLargeText(r)) : "–"}</td>`,
            ]
          : []),
        `<td class="num">${r.errors}</td></tr>`,
      ].join(""),
    )
    .join("");
  return `<table id="results"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A label that wraps between its parts only (`cascade · 8 samples · tiny-reasoner`), never inside one. */
function labelHtml(label: string): string {
  return label
    .split(" · ")
    .map((part) => `<span class="part">${html(part)}</span>`)
    .join(" · ");
}

function facts(shared: Array<[string, string]>): string {
  return `<dl class="facts">${shared.map(([k, v]) => `<dt>${html(k)}</dt><dd>${labelHtml(v)}</dd>`).join("")}</dl>`;
}

function difficultyTable(rows: ReportRow[], labels: string[]): string {
  const ds = [...new Set(rows.flatMap((r) => Object.keys(r.byDifficulty)))].sort(
    (a, b) => Number(a) - Number(b),
  );
  if (ds.length < 2) return "";
  const head = `<tr><th class="num">#</th><th>series</th>${ds.map((d) => `<th class="num">d${html(d)}</th>`).join("")}</tr>`;
  const body = rows
    .map(
      (r, i) =>
        `<tr><td class="sid">${seriesId(i)}</td><td>${html(labels[i])}</td>${ds.map((d) => `<td class="num">${r.byDifficulty[d] ? percent(r.byDifficulty[d].accuracy) : "–"}</td>`).join("")}</tr>`,
    )
    .join("");
  return `<h2>Accuracy by difficulty</h2><table id="difficulty">${head}${body}</table>`;
}

function chip(record: ReportRecord, label: string): string {
  const cls = record.status !== "ok" ? "err" : record.correct ? "ok" : "bad";
  const mark = record.status !== "ok" ? "!" : record.correct ? "✓" : "✗";
  return `<span class="chip ${cls}" title="${html(label)}, seed ${record.seed}: ${html(record.predicted ?? record.error ?? "no answer")}">${mark}</span>`;
}

interface Attempt {
  /** The row (series) index. */
  series: number;
  label: string;
  record: ReportRecord;
}

/** One problem's chips, grouped by series: its marker and number, then a ✓/✗ per seed. */
function chipGroups(attempts: Attempt[]): string {
  const groups = new Map<number, Attempt[]>();
  for (const a of attempts) groups.set(a.series, [...(groups.get(a.series) ?? []), a]);
  return [...groups]
    .map(
      ([series, list]) =>
        `<span class="run-chips" data-series="${html(list[0].label)}"><span class="sid">${seriesId(series)}</span>${list.map((a) => chip(a.record, a.label)).join("")}</span>`,
    )
    .join("");
}

function attempt({ series, label, record }: Attempt): string {
  const steps = record.steps
    .map(
      (s) =>
        `<div class="step" style="margin-left:${s.depth * 14}px"><span class="kind">${html(s.kind)}</span> ${html(s.name)}${s.text ? `<pre>${html(s.text)}</pre>` : ""}</div>`,
    )
    .join("");
  const tokens = record.promptTokens + record.completionTokens;
  return `<div class="attempt"><div>${chip(record, label)} <span class="sid">${seriesId(series)}</span> <b>${html(label)}</b>, seed ${record.seed}: answer <code>${html(record.predicted ?? "—")}</code> (${html(record.verdict)}), ${tokens} tokens, ${record.calls} call${record.calls === 1 ? "" : "s"}${record.error ? `, <i>${html(record.error)}</i>` : ""}</div><pre>${html(record.text)}</pre>${steps ? `<details><summary>trace (${record.steps.length} steps)</summary>${steps}</details>` : ""}</div>`;
}

function drillDown(runs: ReportRun[], rows: ReportRow[], labels: string[]): string {
  const indexOf = new Map(rows.map((r, i) => [`${r.run}\u0000${r.cell}`, i]));
  const items = new Map<string, Attempt[]>();
  for (const run of runs) {
    for (const [cell, records] of Object.entries(run.records)) {
      const series = indexOf.get(`${run.label}\u0000${cell}`);
      if (series === undefined) continue;
      for (const record of records) {
        const list = items.get(record.itemId) ?? [];
        list.push({ series, label: labels[series], record });
        items.set(record.itemId, list);
      }
    }
  }
  const ids = [...items.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  // The chips start at one column on every line: the id and gold take the widest one's room.
  const head = (id: string) => `${id} gold ${items.get(id)![0].record.gold}`;
  const headWidth = Math.min(60, Math.max(0, ...ids.map((id) => head(id).length)));
  const blocks = ids.map((id) => {
    const attempts = items.get(id)!.sort((a, b) => a.series - b.series || a.record.seed - b.record.seed);
    const first = attempts[0].record;
    const right = attempts.filter((a) => a.record.correct).length;
    const search = `${id} ${first.question ?? ""} ${first.gold}`.toLowerCase();
    return `<details class="item" data-right="${right}" data-total="${attempts.length}" data-search="${html(search)}"><summary><span class="pid" style="min-width:${headWidth}ch"><code>${html(id)}</code> gold <code>${html(first.gold)}</code></span>${chipGroups(attempts)}</summary>${first.question ? `<pre>${html(first.question)}</pre>` : ""}${attempts.map(attempt).join("")}</details>`;
  });
  return `<h2>Problems</h2><div class="filters"><input id="search" type="search" placeholder="filter by id, question or gold"><select id="outcome"><option value="all">all</option><option value="wrong">any wrong</option><option value="right">all right</option><option value="split">split</option></select><span><span id="shown">${ids.length}</span> of ${ids.length} shown</span><span class="hint">✓/✗ per series and seed, numbered as in the results table</span></div><div id="problems">${blocks.join("")}</div>`;
}

export function reportHtml(runs: ReportRun[], rows: ReportRow[], title = "deliberate eval report"): string {
  const { labels, shared } = reportLabels(rows);
  const meta = runs
    .map(
      (run) =>
        `${html(run.label)}: ${html(run.results.createdAt)} → ${html(run.results.finishedAt)}, deliberate ${html(run.results.versions.deliberate)}, node ${html(run.results.versions.node)}`,
    )
    .join("<br>");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title><style>${style}</style></head>
<body>
<h1>${html(title)}</h1><div class="meta">${meta}</div>
<h2>Results</h2>${facts(shared)}${resultsTable(rows, labels)}
${reportCharts(rows, labels)}
${computeCharts(rows, labels)}
${difficultyTable(rows, labels)}
${drillDown(runs, rows, labels)}
<script>${script}</script>
</body></html>
`;
}
