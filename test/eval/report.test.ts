import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { createItemGrader } from "../../src/eval/grade-item.ts";
import { writeReport } from "../../src/eval/report.ts";
import { paretoFrontier } from "../../src/eval/report-charts.ts";
import { runEval } from "../../src/eval/runner.ts";
import { artifactPath, launchBrowser } from "../helpers/browser.ts";
import { answeringBackend, arithmeticSet } from "./helpers/scripted-eval.ts";

const grader = createItemGrader({ mode: "sync" });
let runA: string;
let runB: string;

before(async () => {
  const dataset = await arithmeticSet(5);
  const root = mkdtempSync(join(tmpdir(), "deliberate-report-"));
  runA = join(root, "run-a");
  runB = join(root, "run-b");
  await runEval({
    models: [{ name: "scripted", backend: answeringBackend(dataset) }],
    strategies: [{ name: "self-consistency", options: { samples: 8 } }, { name: "cot" }],
    datasets: [dataset],
    seeds: 2,
    outDir: runA,
    grader,
    progress: "none",
  });
  await runEval({
    models: [{ name: "other", backend: answeringBackend(dataset, { id: "other" }) }],
    strategies: [{ name: "self-consistency", options: { samples: 4 } }],
    datasets: [dataset],
    outDir: runB,
    grader,
    progress: "none",
  });
});

test("the Pareto frontier keeps points nothing beats on both axes", () => {
  const frontier = paretoFrontier([
    { x: 10, y: 0.5 },
    { x: 20, y: 0.4 },
    { x: 30, y: 0.7 },
    { x: 5, y: 0.2 },
    { x: 30, y: 0.6 },
  ]);
  assert.deepEqual(
    frontier.map((p) => [p.x, p.y]),
    [
      [5, 0.2],
      [10, 0.5],
      [30, 0.7],
    ],
  );
});

test("one run: report.html, report.md and report.json in the run folder", () => {
  const written = writeReport({ runs: [runA] });
  assert.equal(written.html, join(runA, "report.html"));
  assert.equal(written.rows.length, 2);
  const markdown = readFileSync(written.markdown, "utf8");
  assert.match(
    markdown,
    /\| run-a \| scripted \| self-consistency\{"samples":8\} \| synthetic:arithmetic\?difficulty=2&seed=3 \| 10 \|/,
  );
  assert.match(markdown, /## Accuracy vs samples/);
  const json = JSON.parse(readFileSync(written.json, "utf8"));
  assert.equal(json.rows[0].n, 10);
  const html = readFileSync(written.html, "utf8");
  assert.doesNotMatch(html, /(src|href)="https?:/, "nothing loaded from the network");
});

test("several runs side by side, opened in headless Chromium: plots drawn, drill-down filters, no console errors", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "deliberate-report-out-")), "both.html");
  const written = writeReport({ runs: [runA, runB], out, title: "two runs" });
  assert.equal(written.rows.length, 3);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    const remote: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) remote.push(request.url());
    });
    await page.goto(pathToFileURL(out).href);
    assert.equal(await page.title(), "two runs");
    assert.equal(await page.locator("svg.chart").count(), 2);
    // Curves for the three self-consistency/cot rows: maj@k and pass@k lines for the two sampling cells.
    assert.ok((await page.locator("svg.chart path.series").count()) >= 4);
    assert.equal(await page.locator('svg.chart path.series[data-series="Pareto frontier"]').count(), 1);
    assert.ok((await page.locator("svg.chart circle.point").count()) >= 6);
    assert.equal(await page.locator("#results tr").count(), 1 + 3);
    const items = page.locator("details.item");
    assert.equal(await items.count(), 5);
    assert.equal(await page.locator("#shown").textContent(), "5");
    await page.fill("#search", "arithmetic-d2-s3-0");
    assert.equal(await page.locator("#shown").textContent(), "1");
    await page.fill("#search", "");
    await items.first().locator(":scope > summary").click();
    assert.ok(await items.first().locator(".attempt").first().isVisible());
    await page.screenshot({ path: artifactPath("eval-report.png"), fullPage: true });
    assert.deepEqual(problems, []);
    assert.deepEqual(remote, []);
  } finally {
    await browser.close();
  }
});
