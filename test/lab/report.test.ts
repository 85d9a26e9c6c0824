import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { buildReportData } from "../../src/lab/report/report-data.ts";
import { parseRunLog } from "../../src/lab/report/run-log.ts";
import { writeReport } from "../../src/lab/report/write-report.ts";
import { artifactPath, launchBrowser } from "../helpers/browser.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-report-"));
after(() => rm(dir, { recursive: true, force: true }));

/** An SFT log as runSft writes it, then a torn last line (a kill mid-write). */
function sftLog(): string {
  const lines: object[] = [
    { type: "start", options: { task: "modular", difficulty: 1, preset: "tiny" }, parameters: 82992 },
  ];
  for (let step = 10; step <= 400; step += 10) {
    lines.push({
      type: "train",
      step,
      loss: 4 * Math.exp(-step / 80) + 0.05,
      lr: 3e-3 * Math.min(1, step / 50),
      gradNorm: 1 / Math.sqrt(step),
    });
    if (step % 100 === 0)
      lines.push({
        type: "eval",
        step,
        validLoss: 3 * Math.exp(-step / 90) + 0.1,
        greedy: step / 500,
        problems: 100,
      });
  }
  lines.push({ type: "final-eval", step: 400, greedy: 0.8, majority: 0.85, passAtK: 0.95 });
  lines.push({ type: "stop", step: 400, reason: "time", elapsedMs: 180_000 });
  return `${lines.map((l) => JSON.stringify(l)).join("\n")}\n{"type":"train","ste`;
}

function grpoLog(): string {
  const lines: object[] = [
    {
      type: "start",
      step: 0,
      options: { stage: "grpo", promptsPerStep: 4, sft: { task: "modular" } },
      greedy: 0.5,
    },
  ];
  for (let step = 1; step <= 60; step++) {
    lines.push({
      type: "train",
      step,
      meanReward: 0.4 + step / 200,
      informativeGroups: step % 4,
      clipFraction: 0.01,
      updated: true,
      gradNorm: 0.5,
      meanLength: 20 + (step % 5),
      correctFraction: 0.35 + step / 200,
      passRates: { "5": 0.5 + step / 200, "6": 0.3 },
    });
    if (step % 20 === 0) lines.push({ type: "eval", step, greedy: 0.5 + step / 300, problems: 100 });
  }
  return `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
}

test("run log: torn and non-event lines are skipped and counted", () => {
  const { events, skipped } = parseRunLog(`${sftLog()}\n[1,2]\n{"no":"type"}\n`);
  assert.equal(skipped, 3);
  assert.equal(events[0].type, "start");
  assert.equal(events.filter((e) => e.type === "train").length, 40);
});

test("report data: SFT runs get no GRPO charts; GRPO groups with signal is a share of the step's prompts", () => {
  const sft = buildReportData(parseRunLog(sftLog()).events);
  assert.deepEqual(
    sft.charts.map((c) => c.id),
    ["loss", "lr", "accuracy", "grad-norm"],
  );
  assert.deepEqual(
    sft.charts[0].series.map((s) => s.name),
    ["train", "validation"],
  );
  assert.ok(sft.summary.some(([k, v]) => k === "final majority vote" && v === "85.0%"));
  const grpo = buildReportData(parseRunLog(grpoLog()).events);
  assert.deepEqual(
    grpo.charts.map((c) => c.id),
    ["accuracy", "reward", "pass-rates", "signal", "length", "grad-norm"],
  );
  const passRates = grpo.charts.find((c) => c.id === "pass-rates")!;
  assert.deepEqual(
    passRates.series.map((s) => [s.name, s.points.length]),
    [
      ["level 5", 60],
      ["level 6", 60],
    ],
  );
  // The accuracy before the first GRPO step comes from the start event.
  assert.deepEqual(grpo.charts.find((c) => c.id === "accuracy")!.series[0].points[0], [0, 0.5]);
  const signal = grpo.charts.find((c) => c.id === "signal")!.series[0];
  assert.deepEqual(signal.points.slice(0, 4), [
    [1, 0.25],
    [2, 0.5],
    [3, 0.75],
    [4, 0],
  ]);
});

test("train report: a self-contained page draws every curve in Chromium without console errors", async () => {
  const sftDir = join(dir, "sft");
  const grpoDir = join(dir, "grpo");
  await mkdir(sftDir);
  await mkdir(grpoDir);
  await writeFile(join(sftDir, "log.jsonl"), sftLog());
  await writeFile(join(grpoDir, "log.jsonl"), grpoLog());
  const sft = await writeReport(sftDir);
  assert.equal(sft.skipped, 1);
  const grpo = await writeReport(grpoDir);
  const browser = await launchBrowser();
  try {
    for (const [name, report] of [
      ["sft", sft],
      ["grpo", grpo],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      // Nothing may come from the network: the page is one file.
      const requests: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith("file:")) requests.push(request.url());
      });
      await page.goto(pathToFileURL(report.path).href);
      const drawn = await page.$$eval("svg.chart", (svgs) =>
        svgs.map((svg) => ({
          id: svg.getAttribute("data-chart"),
          lines: [...svg.querySelectorAll("polyline")].map((p) => ({
            points: p.getAttribute("points")!.trim().split(/\s+/).length,
            width: p.getBBox().width,
            height: p.getBBox().height,
          })),
        })),
      );
      assert.deepEqual(
        drawn.map((c) => c.id),
        report.charts,
      );
      for (const chart of drawn) {
        assert.ok(chart.lines.length > 0, `${chart.id} has a curve`);
        for (const line of chart.lines) {
          assert.ok(line.points >= 2, `${chart.id}: ${line.points} points`);
          assert.ok(line.width > 100, `${chart.id}: the curve spans the plot (${line.width}px)`);
        }
      }
      // The hover readout names the step under the cursor.
      const first = page.locator("svg.chart").first();
      const box = (await first.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
      const readout = await page.locator(".readout").first().textContent();
      assert.match(readout ?? "", /^step \d+: /);
      await page.screenshot({ path: artifactPath(`lab-report-${name}.png`), fullPage: true });
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, []);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});

test("deliberate train report DIR: needs no --task, writes DIR/report.html, refuses a folder without a log", async () => {
  const run = join(dir, "cli");
  await mkdir(run);
  await writeFile(join(run, "log.jsonl"), sftLog());
  const bin = join(import.meta.dirname, "../../bin/deliberate.js");
  const ok = spawnSync(process.execPath, [bin, "train", "report", run], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /report\.html \(4 charts: loss, lr, accuracy, grad-norm\)/);
  assert.ok(existsSync(join(run, "report.html")));
  const missing = spawnSync(process.execPath, [bin, "train", "report", join(dir, "nothing")], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no run log at/);
});
