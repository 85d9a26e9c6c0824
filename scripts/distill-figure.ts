/**
 * The distillation experiment's figure and table (scripts/distill-experiment.sh), from its run
 * folder. Usage: npx tsx scripts/distill-figure.ts [OUT]   (default runs/distill-exp-chain)
 *   docs/distill/arms-TASK.svg   held-out greedy accuracy over training steps, every arm (the lab's own
 *                           validation: 100 level-6 problems, our forward pass, greedy)
 *   stdout                  the README's table: greedy and self-consistency@16 on fresh level-6
 *                           problems through llama.cpp, with 95% bootstrap intervals, as markdown
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EvalResults } from "../src/eval/results.ts";
import { markerShapes, palette } from "../src/web/chart-markers.ts";
import { type ChartSeries, lineChart } from "../src/web/svg-chart.ts";

const out = process.argv[2] ?? "runs/distill-exp-chain";
// The task, from the student's own training options: the figure is named and titled after it.
const task = (
  JSON.parse(readFileSync(join(out, "a-answers", "log.jsonl"), "utf8").split("\n")[0]) as {
    options: { task: string };
  }
).options.task;
const docs = join(import.meta.dirname, "..", "docs", "distill");

const style = `<style>.grid{stroke:#e8e8e8}.tick,.legend{font-size:10px;fill:#555;font-family:sans-serif}.axis-label{font-size:11px;fill:#333;font-family:sans-serif}.chart-title{font-size:13px;font-weight:600;fill:#222;font-family:sans-serif}.series{stroke-width:1.8}</style>`;
const standalone = (svg: string) =>
  svg.replace(/(<svg[^>]*>)/, `$1${style}<rect width="100%" height="100%" fill="#fff"/>`);

const allArms = [
  { run: "a-answers", name: "(a) SFT on answers only" },
  { run: "b-distilled", name: "(b) SFT on distilled traces" },
  { run: "c-dpo", name: "(c) (b) + rollout DPO" },
  { run: "c-sft-control", name: "control: (b) + the same steps of SFT" },
  { run: "c-sft-control-lr1e-4", name: "control at DPO's learning rate (1e-4)" },
] as const;
// The second control came with the `chain` run; the first (`sums`) run has none.
const arms = allArms.filter(({ run }) => existsSync(join(out, run, "log.jsonl")));

type LogEvent = { type: string; step?: number; greedy?: number };
const evals = (run: string): LogEvent[] =>
  readFileSync(join(out, run, "log.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as LogEvent)
    .filter((e) => e.type === "eval" && e.greedy !== undefined && e.step !== undefined);

// (c) and its control continue (b): drawn from (b)'s last step on, whether or not their own step
// count restarted at the checkpoint.
const bSteps = Math.max(...evals("b-distilled").map((e) => e.step!));
const series: ChartSeries[] = arms.map(({ run, name }, i) => {
  const events = evals(run);
  const offset = run.startsWith("c-") && Math.min(...events.map((e) => e.step!)) < bSteps ? bSteps : 0;
  return {
    name,
    color: palette[i],
    marker: markerShapes[i],
    points: events.map((e) => ({
      x: e.step! + offset,
      y: e.greedy!,
      label: `${name}, step ${e.step}: ${e.greedy}`,
    })),
  };
});
mkdirSync(docs, { recursive: true });
writeFileSync(
  join(docs, `arms-${task}.svg`),
  standalone(
    lineChart(series, {
      title: `Student (388K) greedy accuracy, 100 held-out level-6 \`${task}\` problems`,
      xLabel: "optimiser steps (batch 16)",
      yLabel: "greedy accuracy",
      percent: true,
    }),
  ),
);

const results = JSON.parse(readFileSync(join(out, "eval", "results.json"), "utf8")) as EvalResults;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const cellOf = (run: string, strategy: string) =>
  results.cells.find((c) => c.policy.includes(`/${run}/`) && c.strategy.startsWith(strategy));
console.log(`Fresh problems: ${results.cells[0]?.datasetSpec}\n`);
console.log("| arm | greedy | 95% CI | self-consistency@16 | 95% CI |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const { run, name } of arms) {
  const greedy = cellOf(run, "cot");
  const sc = cellOf(run, "self-consistency");
  const cells = [greedy, sc].flatMap((c) =>
    c ? [pct(c.accuracy), `${pct(c.summary.ci95[0])}–${pct(c.summary.ci95[1])}`] : ["–", "–"],
  );
  console.log(`| ${name} | ${cells.join(" | ")} |`);
}
