/**
 * The report as ONE self-contained HTML file: inline CSS, inline SVG charts, a little inline JS
 * for filtering the drill-down; no network access of any kind.
 */
import { type ChartPoint, type ChartSeries, lineChart, palette, paretoFrontier } from "./report-charts.ts";
import type { ReportRecord, ReportRun } from "./report-data.ts";
import { hasRoles, percent, type ReportRow, rowNames, vsLargeText } from "./report-rows.ts";

function html(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const style = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; background: #fff; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
  .meta { color: #666; font-size: 12px; }
  table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 4px 8px; border-bottom: 1px solid #e3e3e3; text-align: left; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  td.ci { white-space: nowrap; }
  .charts { display: flex; flex-wrap: wrap; gap: 16px; }
  .chart { border: 1px solid #e3e3e3; border-radius: 6px; background: #fcfcfc; }
  .chart .grid { stroke: #e8e8e8; } .chart .tick, .chart .legend { font-size: 10px; fill: #555; }
  .chart .axis-label { font-size: 11px; fill: #333; } .chart .chart-title { font-size: 13px; font-weight: 600; fill: #222; }
  .chart .series { stroke-width: 1.8; }
  .filters { margin: 8px 0; display: flex; gap: 12px; align-items: center; }
  details.item { border: 1px solid #e3e3e3; border-radius: 6px; margin: 4px 0; padding: 4px 8px; }
  details.item > summary { cursor: pointer; }
  .chip { display: inline-block; min-width: 14px; padding: 0 4px; margin-left: 3px; border-radius: 3px; font-size: 11px; color: #fff; text-align: center; }
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

function resultsTable(rows: ReportRow[]): string {
  const roles = hasRoles(rows);
  // Role columns only when some cell has the role, so single-model reports keep their shape.
  const extraHead = [
    ...(roles.large ? ['<th class="num">large tokens/item</th>', '<th class="num">large cost</th>'] : []),
    ...(roles.verifier
      ? ['<th class="num">verifier tokens/item</th>', '<th class="num">verifier cost</th>']
      : []),
    ...(roles.cascade ? ['<th class="num">escalated</th>', "<th>vs large alone</th>"] : []),
  ].join("");
  const extra = (r: ReportRow) =>
    [
      ...(roles.large
        ? [
            `<td class="num">${r.large ? r.large.tokens.toFixed(0) : "–"}</td>`,
            `<td class="num">${r.large ? r.large.cost.toFixed(4) : "–"}</td>`,
          ]
        : []),
      ...(roles.verifier
        ? [
            `<td class="num">${r.verifier ? r.verifier.tokens.toFixed(0) : "–"}</td>`,
            `<td class="num">${r.verifier ? r.verifier.cost.toFixed(4) : "–"}</td>`,
          ]
        : []),
      ...(roles.cascade
        ? [
            `<td class="num escalated">${r.escalationShare === undefined ? "–" : percent(r.escalationShare)}</td>`,
            `<td>${r.vsLarge ? html(vsLargeText(r)) : "–"}</td>`,
          ]
        : []),
    ].join("");
  const head = `<tr><th>run</th><th>model</th><th>strategy</th><th>dataset</th><th class="num">n</th><th class="num">accuracy</th><th>95% CI</th><th class="num">tokens/item</th><th class="num">calls/item</th><th class="num">cost</th>${extraHead}<th class="num">errors</th></tr>`;
  const body = rows
    .map(
      (r) =>
        `<tr><td>${html(r.run)}</td><td>${html(r.model)}</td><td>${html(r.strategy)}</td><td>${html(r.dataset)}</td><td class="num">${r.n}</td><td class="num"><b>${percent(r.accuracy)}</b></td><td class="ci">${percent(r.ci95[0])} – ${percent(r.ci95[1])}</td><td class="num">${r.tokens.toFixed(0)}</td><td class="num">${r.calls.toFixed(2)}</td><td class="num">${r.cost.toFixed(4)}</td>${extra(r)}<td class="num">${r.errors}</td></tr>`,
    )
    .join("");
  return `<table id="results">${head}${body}</table>`;
}

function difficultyTable(rows: ReportRow[], names: string[]): string {
  const ds = [...new Set(rows.flatMap((r) => Object.keys(r.byDifficulty)))].sort(
    (a, b) => Number(a) - Number(b),
  );
  if (ds.length < 2) return "";
  const head = `<tr><th></th>${ds.map((d) => `<th class="num">d${html(d)}</th>`).join("")}</tr>`;
  const body = rows
    .map(
      (r, i) =>
        `<tr><td>${html(names[i])}</td>${ds.map((d) => `<td class="num">${r.byDifficulty[d] ? percent(r.byDifficulty[d].accuracy) : "–"}</td>`).join("")}</tr>`,
    )
    .join("");
  return `<h2>Accuracy by difficulty</h2><table id="difficulty">${head}${body}</table>`;
}

function charts(rows: ReportRow[], names: string[]): string {
  const bySamples: ChartSeries[] = [];
  const byTokens: ChartSeries[] = [];
  const all: ChartPoint[] = [];
  rows.forEach((r, i) => {
    const color = palette[i % palette.length];
    const name = names[i];
    const curves = r.curves.length > 1 ? r.curves : [];
    if (curves.length) {
      bySamples.push(
        { name: `maj@k ${name}`, color, points: curves.map((p) => ({ x: p.k, y: p.maj })) },
        { name: `pass@k ${name}`, color, dashed: true, points: curves.map((p) => ({ x: p.k, y: p.pass })) },
      );
      // The policy's samples, k of the N it drew: k/N of its tokens per problem (prompt included,
      // so the curve meets the strategy's own point when the policy is the only model).
      const n = curves.at(-1)!.k;
      const points = curves.map((p) => ({
        x: Math.max(1, (r.policyTokens * p.k) / n),
        y: p.maj,
        label: `${name} maj@${p.k}`,
      }));
      byTokens.push({ name: `maj@k ${name}`, color, points });
      all.push(...points);
    }
    // The strategy's own answer: accuracy at its samples, and at the tokens of every model it used.
    const samples = r.curves.at(-1)?.k ?? 1;
    bySamples.push({
      name,
      color,
      scatter: true,
      points: [{ x: samples, y: r.accuracy, label: `${name}: ${percent(r.accuracy)}` }],
    });
    const own = {
      x: Math.max(1, r.tokens),
      y: r.accuracy,
      label: `${name}: ${percent(r.accuracy)} at ${r.tokens.toFixed(0)} tokens${r.large ? ` (${r.large.tokens.toFixed(0)} of the large model)` : ""}${r.escalationShare === undefined ? "" : `, ${percent(r.escalationShare)} escalated`}`,
    };
    byTokens.push({ name, color, scatter: true, points: [own] });
    all.push(own);
  });
  byTokens.push({ name: "Pareto frontier", color: "#111", emphasis: true, points: paretoFrontier(all) });
  return `<div class="charts">${lineChart(bySamples, { title: "Accuracy vs samples", xLabel: "samples per problem (k)", yLabel: "accuracy", logX: true })}${lineChart(byTokens, { title: "Accuracy vs tokens", xLabel: "tokens per problem (prompt + completion, all models)", yLabel: "accuracy", logX: true })}</div>`;
}

function chip(record: ReportRecord): string {
  const cls = record.status !== "ok" ? "err" : record.correct ? "ok" : "bad";
  const mark = record.status !== "ok" ? "!" : record.correct ? "✓" : "✗";
  return `<span class="chip ${cls}" title="seed ${record.seed}: ${html(record.predicted ?? record.error ?? "no answer")}">${mark}</span>`;
}

function attempt(record: ReportRecord, name: string): string {
  const steps = record.steps
    .map(
      (s) =>
        `<div class="step" style="margin-left:${s.depth * 14}px"><span class="kind">${html(s.kind)}</span> ${html(s.name)}${s.text ? `<pre>${html(s.text)}</pre>` : ""}</div>`,
    )
    .join("");
  return `<div class="attempt"><div>${chip(record)} <b>${html(name)}</b> seed ${record.seed}: answer <code>${html(record.predicted ?? "—")}</code> (${html(record.verdict)}), ${record.promptTokens + record.completionTokens} tokens, ${record.calls} calls${record.error ? `, <i>${html(record.error)}</i>` : ""}</div><pre>${html(record.text)}</pre>${steps ? `<details><summary>trace (${record.steps.length} steps)</summary>${steps}</details>` : ""}</div>`;
}

function drillDown(runs: ReportRun[], rows: ReportRow[], names: string[]): string {
  const nameOf = new Map(rows.map((r, i) => [`${r.run}\u0000${r.cell}`, names[i]]));
  const items = new Map<string, Array<{ name: string; record: ReportRecord }>>();
  for (const run of runs) {
    for (const [cell, records] of Object.entries(run.records)) {
      const name = nameOf.get(`${run.label}\u0000${cell}`) ?? cell;
      for (const record of records) {
        const list = items.get(record.itemId) ?? [];
        list.push({ name, record });
        items.set(record.itemId, list);
      }
    }
  }
  const ids = [...items.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const blocks = ids.map((id) => {
    const attempts = items.get(id)!;
    const first = attempts[0].record;
    const right = attempts.filter((a) => a.record.correct).length;
    const search = `${id} ${first.question ?? ""} ${first.gold}`.toLowerCase();
    return `<details class="item" data-right="${right}" data-total="${attempts.length}" data-search="${html(search)}"><summary><code>${html(id)}</code> gold <code>${html(first.gold)}</code> ${attempts.map((a) => chip(a.record)).join("")}</summary>${first.question ? `<pre>${html(first.question)}</pre>` : ""}${attempts.map((a) => attempt(a.record, a.name)).join("")}</details>`;
  });
  return `<h2>Problems</h2><div class="filters"><input id="search" type="search" placeholder="filter by id, question or gold"><select id="outcome"><option value="all">all</option><option value="wrong">any wrong</option><option value="right">all right</option><option value="split">split</option></select><span><span id="shown">${ids.length}</span> of ${ids.length} shown</span></div><div id="problems">${blocks.join("")}</div>`;
}

export function reportHtml(runs: ReportRun[], rows: ReportRow[], title = "deliberate eval report"): string {
  const names = rowNames(rows);
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
<h2>Results</h2>${resultsTable(rows)}
${charts(rows, names)}
${difficultyTable(rows, names)}
${drillDown(runs, rows, names)}
<script>${script}</script>
</body></html>
`;
}
