/**
 * The HTML report as a reader sees it, in headless Chromium at 1,400 px: a grid as wide as reports
 * get (a policy with large and verifier models, a second model, four strategies, prices, two seeds)
 * must fit without a horizontal scrollbar, with one distinct label, colour and marker per series and
 * every ✓/✗ chip labelled by its series. Screenshots go to test-artifacts/ for a person to look at.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { createItemGrader } from "../../src/eval/grade-item.ts";
import { writeReport } from "../../src/eval/report.ts";
import { runEval } from "../../src/eval/runner.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { artifactPath, launchBrowser } from "../helpers/browser.ts";
import { cascadeBackends } from "./helpers/cascade-eval.ts";
import { arithmeticSet } from "./helpers/scripted-eval.ts";

const WIDTH = 1400;
let html: string;
let browser: Browser;

before(async () => {
  const dataset = await arithmeticSet(6);
  const { small, large } = cascadeBackends(dataset);
  const judge = new ScriptedBackend({ id: "judge", script: ["Yes"] });
  // Specs as long as real ones: the report must shorten them, not the reader squint at them.
  const smallSpec = "models/qwen2.5-0.5b-instruct-q4_k_m.gguf";
  const largeSpec = "openai:qwen2.5-32b-instruct@http://10.0.0.5:8000/v1";
  const price = (perToken: number) => ({ prompt: perToken, completion: perToken });
  const out = join(mkdtempSync(join(tmpdir(), "deliberate-report-layout-")), "run-wide");
  await runEval({
    models: [
      {
        name: smallSpec,
        backend: small,
        prices: price(1),
        large: { name: largeSpec, backend: large, prices: price(64) },
        verifier: { name: "models/judge-1.5b-q8_0.gguf", backend: judge, prices: price(3) },
      },
      { name: largeSpec, backend: large, prices: price(64), strategies: ["cot", "self-consistency"] },
    ],
    strategies: [
      { name: "cot", options: { maxTokens: 256 } },
      { name: "self-consistency", options: { samples: 8, temperature: 0.7, maxTokens: 256 } },
      { name: "best-of-n", options: { samples: 4, temperature: 0.7, maxTokens: 256 } },
      { name: "cascade", options: { samples: 3, temperature: 0.7, maxTokens: 256, threshold: 0.75 } },
    ],
    datasets: [dataset],
    seeds: 2,
    outDir: out,
    grader: createItemGrader({ mode: "sync" }),
    progress: "none",
    costUnit: "MFLOP",
  });
  html = (await writeReport({ runs: [out], title: "wide grid" })).html;
  browser = await launchBrowser();
});

after(() => browser?.close());

test("at 1,400 px the results table fits, and each series has its own short label, colour and marker", async () => {
  const page = await browser.newPage({ viewport: { width: WIDTH, height: 1000 } });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  await page.goto(pathToFileURL(html).href);
  const widths = {
    table: await page.$eval("#results", (table) => table.scrollWidth),
    page: await page.$eval("html", (root) => root.scrollWidth),
  };
  assert.ok(widths.table <= WIDTH, `table ${widths.table}px wide`);
  assert.ok(widths.page <= WIDTH, `page ${widths.page}px wide`);

  const labels = await page.locator("#results tbody td.label").allInnerTexts();
  assert.equal(labels.length, 6);
  assert.equal(new Set(labels).size, labels.length, `labels: ${labels.join(" | ")}`);
  // Strategy first; the long model specs only as short names, the full specs once above the table.
  for (const label of labels) {
    assert.match(label, /^(cot|self-consistency|best-of-n|cascade)\b/);
    assert.ok(label.length <= 70, label);
    assert.doesNotMatch(label, /http|\.gguf|maxTokens/);
  }
  assert.ok(
    labels.includes("self-consistency · 8 samples · qwen2.5-0.5b-instruct-q4_k_m"),
    labels.join(" | "),
  );
  const facts = (await page.locator("dl.facts > *").allTextContents()).join(" ");
  assert.match(
    facts,
    /models qwen2\.5-0\.5b-instruct-q4_k_m \(policy\) = models\/qwen2\.5-0\.5b-instruct-q4_k_m\.gguf/,
  );
  assert.match(facts, /settings maxTokens 256 · temperature 0\.7/);

  // The cost columns say their unit.
  const heads = (await page.locator("#results thead th").allInnerTexts()).map((h) => h.replace(/\s+/g, " "));
  assert.ok(heads.includes("cost /item (MFLOP)"), heads.join(" | "));
  assert.ok(heads.includes("large cost /item (MFLOP)"));
  assert.ok(heads.includes("verifier cost /item (MFLOP)"));

  // Each chart's legend names every series once, and no two series share colour and marker.
  for (const chart of ["samples", "tokens"]) {
    const legend = await page.locator(`svg[data-chart="${chart}"] .legend-entry text`).allTextContents();
    // Numbered as in the table; cut short with "…" only where a label does not fit.
    labels.forEach((label, i) => {
      const entry = `${i + 1}  ${label}`;
      const found = legend.filter(
        (l) => l === entry || (l.endsWith("…") && entry.startsWith(l.slice(0, -1))),
      );
      assert.equal(found.length, 1, `${chart}: ${entry} in ${legend.join(" | ")}`);
    });
    assert.equal(new Set(legend).size, legend.length);
  }
  const styles = await page.$$eval('svg[data-chart="samples"] .point[data-series]', (points) =>
    points.map((p) => ({
      series: p.getAttribute("data-series")!,
      style: `${p.getAttribute("data-marker")} ${p.getAttribute("fill") === "none" ? p.getAttribute("stroke") : p.getAttribute("fill")}`,
    })),
  );
  const styleOf = new Map<string, string>();
  for (const { series, style } of styles) {
    const name = series.replace(/ pass@k$/, "");
    assert.equal(styleOf.get(name) ?? style, style, `${name} drawn one way`);
    styleOf.set(name, style);
  }
  assert.equal(styleOf.size, labels.length);
  assert.equal(new Set(styleOf.values()).size, labels.length, [...styleOf.values()].join(", "));

  // Chips: one group per series on every problem, numbered and titled with the series' label.
  const groups = await page
    .locator("details.item")
    .first()
    .locator(".run-chips")
    .evaluateAll((els) =>
      els.map((el) => ({
        series: el.getAttribute("data-series"),
        id: el.querySelector(".sid")!.textContent,
        chips: [...el.querySelectorAll(".chip")].map((c) => c.getAttribute("title")),
      })),
    );
  assert.deepEqual(
    groups.map((g) => [g.series, g.id]),
    labels.map((label, i) => [label, String(i + 1)]),
  );
  for (const g of groups) {
    assert.equal(g.chips.length, 2, "one chip per seed");
    for (const [seed, title] of g.chips.entries())
      assert.ok(title?.startsWith(`${g.series}, seed ${seed}:`), title!);
  }

  await page.screenshot({ path: artifactPath("eval-report-1400.png") });
  await page.locator("details.item").first().locator(":scope > summary").click();
  await page.screenshot({ path: artifactPath("eval-report-1400-full.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
