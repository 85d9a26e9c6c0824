import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { computeCharts, FRONTIER_SERIES } from "../../src/eval/report-charts.ts";
import { computeReport } from "../../src/eval/report-compute.ts";
import { reportLabels } from "../../src/eval/report-labels.ts";
import type { ReportRow } from "../../src/eval/report-rows.ts";
import { launchBrowser } from "../helpers/browser.ts";

/** A report row with only what the compute chart reads set to something telling. */
function row(
  strategyName: string,
  options: Record<string, unknown>,
  flopsPerProblem: number | null,
  accuracy: number,
  sweep?: string,
): ReportRow {
  return {
    run: "run",
    cell: `m|${strategyName}${JSON.stringify(options)}|d`,
    model: "m",
    policy: "m",
    strategy: `${strategyName}${JSON.stringify(options)}`,
    strategyName,
    strategyOptions: options,
    dataset: "synthetic:sums?difficulty=6",
    n: 20,
    items: 20,
    seeds: 1,
    errors: 0,
    accuracy,
    ci95: [0, 1],
    completionTokens: 0,
    tokens: 0,
    policyTokens: 0,
    calls: 1,
    cost: 0,
    costPerItem: 0,
    wallMs: 0,
    curves: [],
    byDifficulty: {},
    ...(sweep ? { budget: { option: sweep, value: options[sweep] } } : {}),
    flopsPerProblem,
    unknownParameters: flopsPerProblem === null ? ["openai:judge@http://h/v1"] : [],
  };
}

// Frontier by hand: cot (50, 40%), sc@2 (100, 50%), sc@4 (200, 70%), prm@2 (300, 72%), prm@4 (600, 80%).
// Dominated: sc@8 (400, 65%) by sc@4; reward@2 (300, 60%) and reward@4 (600, 70%) by prm at the same FLOPs.
const rows = [
  row("self-consistency", { samples: 2 }, 100, 0.5, "samples"),
  row("self-consistency", { samples: 4 }, 200, 0.7, "samples"),
  row("self-consistency", { samples: 8 }, 400, 0.65, "samples"),
  row("weighted-best-of-n", { samples: 2, verifier: "prm" }, 300, 0.72, "samples"),
  row("weighted-best-of-n", { samples: 4, verifier: "prm" }, 600, 0.8, "samples"),
  row("weighted-best-of-n", { samples: 2, verifier: "reward" }, 300, 0.6, "samples"),
  row("weighted-best-of-n", { samples: 4, verifier: "reward" }, 600, 0.7, "samples"),
  row("cot", {}, 50, 0.4),
  row("mcts", { simulations: 8 }, null, 0.9),
];
const { labels } = reportLabels(rows);
const frontierRows = [7, 0, 1, 3, 4];

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

interface ParsedChart {
  error?: string;
  lines: Array<{ series: string; points: number }>;
  marks: Array<{ series: string; title: string }>;
}

/** What the page's XML parser gives back, typed here: the DOM's types are not in this project's lib. */
interface XmlNode {
  querySelector(selector: string): XmlNode | null;
  querySelectorAll(selector: string): Iterable<XmlNode>;
  getAttribute(name: string): string | null;
  textContent: string | null;
}
type XmlParser = new () => {
  parseFromString(text: string, type: string): XmlNode & { documentElement: XmlNode };
};

/** The chart's SVG as a browser's XML parser reads it: its polylines and its point marks. */
async function parseSvg(svg: string): Promise<ParsedChart> {
  const page = await browser.newPage();
  try {
    return await page.evaluate((text) => {
      const Parser = (globalThis as unknown as { DOMParser: XmlParser }).DOMParser;
      const doc = new Parser().parseFromString(text, "image/svg+xml");
      const error = doc.querySelector("parsererror");
      if (error) return { error: error.textContent ?? "parse error", lines: [], marks: [] };
      const svg = doc.documentElement;
      return {
        lines: [...svg.querySelectorAll("polyline.series")].map((p) => ({
          series: p.getAttribute("data-series") ?? "",
          points: (p.getAttribute("points") ?? "").trim().split(/\s+/).length,
        })),
        marks: [...svg.querySelectorAll(".point")].map((m) => ({
          series: m.getAttribute("data-series") ?? "",
          title: m.querySelector("title")?.textContent ?? "",
        })),
      };
    }, svg);
  } finally {
    await page.close();
  }
}

function chartSvg(html: string): string {
  const svgs = html.match(/<svg class="chart"[\s\S]*?<\/svg>/g) ?? [];
  assert.equal(svgs.length, 1, "one dataset, one chart");
  return svgs[0];
}

test("the compute chart: one polyline per strategy family with budgets, joined in budget order, and the frontier on top", async () => {
  const html = computeCharts(rows, labels);
  const chart = await parseSvg(chartSvg(html));
  assert.equal(chart.error, undefined);
  const families = computeReport(rows, labels)[0].series;
  assert.deepEqual(
    families.map((s) => s.label),
    [
      "self-consistency · 2, 4, 8 samples",
      "weighted-best-of-n · 2, 4 samples · verifier prm",
      "weighted-best-of-n · 2, 4 samples · verifier reward",
      "cot",
      "mcts",
    ],
  );
  // cot is a single point (a mark, no line); mcts has unknown FLOPs (neither).
  assert.deepEqual(chart.lines, [
    { series: "self-consistency · 2, 4, 8 samples", points: 3 },
    { series: "weighted-best-of-n · 2, 4 samples · verifier prm", points: 2 },
    { series: "weighted-best-of-n · 2, 4 samples · verifier reward", points: 2 },
    { series: FRONTIER_SERIES, points: frontierRows.length },
  ]);
  assert.equal(chart.marks.filter((m) => m.series === "cot").length, 1);
  assert.equal(chart.marks.filter((m) => m.series.startsWith("mcts")).length, 0);
  assert.match(
    html,
    /FLOPs unknown, so not on the chart: mcts — no parameter count for <code>openai:judge@http:\/\/h\/v1<\/code>/,
  );
});

test("the compute chart marks exactly the frontier's points", async () => {
  const chart = await parseSvg(chartSvg(computeCharts(rows, labels)));
  const marked = chart.marks.filter((m) => m.series === FRONTIER_SERIES);
  assert.equal(marked.length, frontierRows.length);
  // Each frontier mark names its row (in FLOPs order); the family marks of those rows say "on the frontier" too.
  assert.deepEqual(
    marked.map((m) => m.title.split(":")[0]),
    frontierRows.map((i) => labels[i]),
  );
  const saysFrontier = chart.marks
    .filter((m) => m.series !== FRONTIER_SERIES && m.title.endsWith("(on the Pareto frontier)"))
    .map((m) => m.title.split(":")[0]);
  assert.deepEqual(new Set(saysFrontier), new Set(frontierRows.map((i) => labels[i])));
});

test("a single point is its own frontier; runs without compute get no chart", async () => {
  const one = [row("cot", {}, 80, 0.3)];
  const chart = await parseSvg(chartSvg(computeCharts(one, reportLabels(one).labels)));
  assert.deepEqual(chart.lines, [], "one point: no line to draw");
  assert.equal(chart.marks.filter((m) => m.series === FRONTIER_SERIES).length, 1);
  const old = [{ ...row("cot", {}, 80, 0.3), flopsPerProblem: undefined }];
  assert.equal(computeCharts(old, ["cot"]), "");
});
