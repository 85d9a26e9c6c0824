/** The Markdown summary of a report: the results table, curves and per-difficulty accuracy. */
import { formatFlops } from "./compute-flops.ts";
import { computeReport } from "./report-compute.ts";
import { datasetNames, reportLabels } from "./report-labels.ts";
import {
  commonCostUnit,
  formatCost,
  hasCost,
  hasRoles,
  percent,
  type ReportRow,
  vsLargeText,
} from "./report-rows.ts";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

export function reportMarkdown(rows: ReportRow[], title = "deliberate eval report"): string {
  const lines = [`# ${title}`, ""];
  const roles = hasRoles(rows);
  const costs = hasCost(rows);
  const unit = commonCostUnit(rows);
  const costHead = (what: string) => `${what}/item${unit ? ` (${unit})` : ""}`;
  const costText = (value: number | undefined, r: ReportRow) =>
    value === undefined ? "–" : `${formatCost(value)}${unit || !r.costUnit ? "" : ` ${r.costUnit}`}`;
  const head = [
    ...(costs ? [costHead("cost")] : []),
    ...(roles.large ? ["large tokens/item", ...(costs ? [costHead("large cost")] : [])] : []),
    ...(roles.verifier ? ["verifier tokens/item", ...(costs ? [costHead("verifier cost")] : [])] : []),
    ...(roles.cascade ? ["escalated", "vs large alone"] : []),
  ];
  const align = head.map((h) => (h === "vs large alone" ? "---" : "---:"));
  lines.push(
    `| run | model | strategy | dataset | n | accuracy | 95% CI | tokens/item | calls/item | ${head.map((h) => `${h} | `).join("")}errors |`,
    `|---|---|---|---|---:|---:|---|---:|---:|${align.map((a) => `${a}|`).join("")}---:|`,
  );
  for (const r of rows) {
    const extra = [
      ...(costs ? [costText(r.costPerItem, r)] : []),
      ...(roles.large
        ? [r.large ? r.large.tokens.toFixed(0) : "–", ...(costs ? [costText(r.large?.costPerItem, r)] : [])]
        : []),
      ...(roles.verifier
        ? [
            r.verifier ? r.verifier.tokens.toFixed(0) : "–",
            ...(costs ? [costText(r.verifier?.costPerItem, r)] : []),
          ]
        : []),
      ...(roles.cascade
        ? [
            r.escalationShare === undefined ? "–" : percent(r.escalationShare),
            r.vsLarge ? cell(vsLargeText(r)) : "–",
          ]
        : []),
    ];
    lines.push(
      `| ${[r.run, r.model, r.strategy, r.dataset].map(cell).join(" | ")} | ${r.n} | ${percent(r.accuracy)} | ${percent(r.ci95[0])}–${percent(r.ci95[1])} | ${r.tokens.toFixed(0)} | ${r.calls.toFixed(2)} | ${extra.map((e) => `${e} | `).join("")}${r.errors} |`,
    );
  }
  const names = reportLabels(rows).labels;
  const withCurves = rows.map((r, i) => ({ r, name: names[i] })).filter(({ r }) => r.curves.length > 1);
  if (withCurves.length) {
    lines.push(
      "",
      "## Accuracy vs samples",
      "",
      "| | k | maj@k | weighted@k | pass@k |",
      "|---|---:|---:|---:|---:|",
    );
    for (const { r, name } of withCurves) {
      for (const p of r.curves) {
        lines.push(
          `| ${cell(name)} | ${p.k} | ${percent(p.maj)} | ${percent(p.weighted)} | ${percent(p.pass)} |`,
        );
      }
    }
  }
  lines.push(...computeTable(rows, names));
  const difficulties = [...new Set(rows.flatMap((r) => Object.keys(r.byDifficulty)))].sort(
    (a, b) => Number(a) - Number(b),
  );
  if (difficulties.length > 1) {
    lines.push(
      "",
      "## Accuracy by difficulty",
      "",
      `| | ${difficulties.map((d) => `d${d}`).join(" | ")} |`,
      `|---|${difficulties.map(() => "---:").join("|")}|`,
    );
    rows.forEach((r, i) => {
      const values = difficulties.map((d) => (r.byDifficulty[d] ? percent(r.byDifficulty[d].accuracy) : "–"));
      lines.push(`| ${cell(names[i])} | ${values.join(" | ")} |`);
    });
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Accuracy against model FLOPs per problem, family by family in budget order, with whether each
 * point is on its dataset's Pareto frontier; unknown FLOPs say which model lacks a parameter count.
 */
function computeTable(rows: ReportRow[], names: string[]): string[] {
  const groups = computeReport(rows, names);
  if (groups.length === 0) return [];
  const datasets = datasetNames(groups.map((g) => g.dataset));
  const several = groups.length > 1;
  const lines = [
    "",
    "## Accuracy vs compute",
    "",
    "Model FLOPs per problem = Σ over every model call of 2 × parameters × tokens (verifiers and scorers included).",
    "",
    `| ${several ? "dataset | " : ""}series | accuracy | FLOPs/problem | Pareto frontier |`,
    `|${several ? "---|" : ""}---|---:|---:|---|`,
  ];
  for (const group of groups) {
    for (const series of group.series) {
      for (const p of series.points) {
        const frontier = p.onFrontier === null ? "–" : p.onFrontier ? "yes" : "no";
        lines.push(
          `| ${several ? `${cell(datasets.get(group.dataset)!)} | ` : ""}${cell(p.label)} | ${percent(p.accuracy)} | ${formatFlops(p.flops)} | ${frontier} |`,
        );
      }
    }
  }
  const unknown = [...new Set(groups.flatMap((g) => g.unknownParameters))];
  if (unknown.length) {
    lines.push(
      "",
      `FLOPs unknown where a model has no parameter count: ${unknown.map((m) => `\`${m}\``).join(", ")} (give one with \`--parameters SPEC=COUNT\` or \`parameters:\` in the eval file).`,
    );
  }
  return lines;
}
