import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { createItemGrader } from "../../src/eval/grade-item.ts";
import { writeReport } from "../../src/eval/report.ts";
import { formatCost } from "../../src/eval/report-rows.ts";
import { runEval } from "../../src/eval/runner.ts";
import { artifactPath, launchBrowser } from "../helpers/browser.ts";
import { cascadeBackends } from "./helpers/cascade-eval.ts";
import { answeringBackend, arithmeticSet } from "./helpers/scripted-eval.ts";

const grader = createItemGrader({ mode: "sync" });
let runA: string;
let runB: string;
let runCascade: string;

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
  runCascade = join(root, "run-cascade");
  const { small, large } = cascadeBackends(dataset);
  const largePrices = { prompt: 1e-5, completion: 3e-5 };
  await runEval({
    models: [
      {
        name: "small",
        backend: small,
        prices: { prompt: 1e-6, completion: 2e-6 },
        large: { name: "large", backend: large, prices: largePrices },
      },
      { name: "large", backend: large, prices: largePrices },
    ],
    strategies: [{ name: "cascade", options: { samples: 3 } }, { name: "cot" }],
    datasets: [dataset],
    outDir: runCascade,
    grader,
    progress: "none",
    costUnit: "USD",
  });
});

test("one run: report.html, report.md and report.json in the run folder", async () => {
  const written = await writeReport({ runs: [runA] });
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
  const written = await writeReport({ runs: [runA, runB], out, title: "two runs" });
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
    assert.ok((await page.locator("svg.chart polyline.series").count()) >= 4);
    assert.equal(await page.locator('svg.chart polyline.series[data-series="Pareto frontier"]').count(), 1);
    assert.ok((await page.locator("svg.chart .point").count()) >= 6);
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

test("a cascade run: escalation share, the large model's tokens and cost, all models' tokens on the Pareto plot", async () => {
  const written = await writeReport({ runs: [runCascade] });
  const [cascade, smallCot, largeCot] = written.rows;
  assert.equal(cascade.strategy, 'cascade{"samples":3}');
  // Items 1 and 3 of 5 escalate.
  assert.equal(cascade.escalationShare, 2 / 5);
  assert.ok(cascade.large && cascade.large.tokens > 0 && cascade.large.cost > 0);
  assert.ok(Math.abs(cascade.tokens - (cascade.policyTokens + cascade.large.tokens)) < 1e-9);
  assert.equal(smallCot.escalationShare, undefined);
  assert.equal(smallCot.large, undefined, "the cot cell never called the large model");
  assert.equal(smallCot.vsLarge, undefined, "nor is it compared with the large model: it never escalates");
  assert.equal(largeCot.vsLarge, undefined);
  assert.equal(cascade.vsLarge?.cell, largeCot.cell);
  const markdown = readFileSync(written.markdown, "utf8");
  assert.match(
    markdown,
    /\| cost\/item \(USD\) \| large tokens\/item \| large cost\/item \(USD\) \| escalated \| vs large alone \| errors \|/,
  );
  const row = markdown.split("\n").find((line) => line.includes("cascade"))!;
  assert.ok(
    row.includes(
      `| ${formatCost(cascade.costPerItem)} | ${cascade.large.tokens.toFixed(0)} | ${formatCost(cascade.large.costPerItem)} | 40.0% |`,
    ),
    row,
  );
  assert.ok(Math.abs(cascade.large.costPerItem - cascade.large.cost / 5) < 1e-12);
  assert.match(row, /\d+% of its tokens, \d+% of its cost, \+0\.0 points/);
  const html = readFileSync(written.html, "utf8");
  assert.match(html, /<td class="num escalated">40\.0%<\/td>/);
  assert.match(html, /tokens per problem \(prompt \+ completion, all models\)/);
  // The cascade's own point on the tokens plot sits at all models' tokens, large model included.
  assert.ok(
    html.includes(
      `at ${cascade.tokens.toFixed(0)} tokens (${cascade.large.tokens.toFixed(0)} of the large model), 40.0% escalated`,
    ),
  );
});
