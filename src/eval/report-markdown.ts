/** The Markdown summary of a report: the results table, curves and per-difficulty accuracy. */
import { hasRoles, percent, type ReportRow, rowNames, vsLargeText } from "./report-rows.ts";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

export function reportMarkdown(rows: ReportRow[], title = "deliberate eval report"): string {
  const lines = [`# ${title}`, ""];
  const roles = hasRoles(rows);
  const extraHead = [
    ...(roles.large ? ["large tokens/item", "large cost"] : []),
    ...(roles.verifier ? ["verifier tokens/item", "verifier cost"] : []),
    ...(roles.cascade ? ["escalated", "vs large alone"] : []),
  ];
  const extraAlign = [
    ...(roles.large ? ["---:", "---:"] : []),
    ...(roles.verifier ? ["---:", "---:"] : []),
    ...(roles.cascade ? ["---:", "---"] : []),
  ];
  lines.push(
    `| run | model | strategy | dataset | n | accuracy | 95% CI | tokens/item | calls/item | cost | ${extraHead.map((h) => `${h} | `).join("")}errors |`,
    `|---|---|---|---|---:|---:|---|---:|---:|---:|${extraAlign.map((a) => `${a}|`).join("")}---:|`,
  );
  for (const r of rows) {
    const extra = [
      ...(roles.large
        ? [r.large ? r.large.tokens.toFixed(0) : "–", r.large ? r.large.cost.toFixed(4) : "–"]
        : []),
      ...(roles.verifier
        ? [r.verifier ? r.verifier.tokens.toFixed(0) : "–", r.verifier ? r.verifier.cost.toFixed(4) : "–"]
        : []),
      ...(roles.cascade
        ? [
            r.escalationShare === undefined ? "–" : percent(r.escalationShare),
            r.vsLarge ? cell(vsLargeText(r)) : "–",
          ]
        : []),
    ];
    lines.push(
      `| ${[r.run, r.model, r.strategy, r.dataset].map(cell).join(" | ")} | ${r.n} | ${percent(r.accuracy)} | ${percent(r.ci95[0])}–${percent(r.ci95[1])} | ${r.tokens.toFixed(0)} | ${r.calls.toFixed(2)} | ${r.cost.toFixed(4)} | ${extra.map((e) => `${e} | `).join("")}${r.errors} |`,
    );
  }
  const names = rowNames(rows);
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
