/**
 * The README's lab figures, from the reference runs (scripts/reference-models.sh): SVG files in
 * docs/lab/. Usage: npx tsx scripts/lab-figures.ts [RUNS_DIR]
 *   sft.svg        greedy accuracy on held-out level-6 problems over training minutes, small vs large
 *   grpo.svg       the same from the SFT checkpoint on: GRPO vs continued SFT (the control)
 *   strategies.svg accuracy against model compute on fresh problems (llama.cpp), one point per cell
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EvalResults } from "../src/eval/results.ts";
import { inspectGguf } from "../src/models/gguf/inspect-gguf.ts";
import { markerShapes, palette } from "../src/web/chart-markers.ts";
import { type ChartSeries, lineChart } from "../src/web/svg-chart.ts";

const runs = process.argv[2] ?? "runs";
const out = join(import.meta.dirname, "..", "docs", "lab");

// The report page's chart styles, inlined: these files are shown on their own.
const style = `<style>.grid{stroke:#e8e8e8}.tick,.legend{font-size:10px;fill:#555;font-family:sans-serif}.axis-label{font-size:11px;fill:#333;font-family:sans-serif}.chart-title{font-size:13px;font-weight:600;fill:#222;font-family:sans-serif}.series{stroke-width:1.8}</style>`;
const standalone = (svg: string) =>
  svg.replace(/(<svg[^>]*>)/, `$1${style}<rect width="100%" height="100%" fill="#fff"/>`);

type LogEvent = { type: string; step?: number; greedy?: number; elapsedMs?: number };
const log = (run: string): LogEvent[] =>
  readFileSync(join(runs, run, "log.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as LogEvent);
const evals = (run: string) =>
  log(run).filter((e) => e.type === "eval" && e.greedy !== undefined && e.elapsedMs !== undefined);
const minutes = (ms: number) => ms / 60_000;

// 1. SFT curves.
const sft: ChartSeries[] = [
  ["small", "tiny-reasoner (388K)"],
  ["large", "tiny-reasoner-large (1.6M)"],
].map(([run, name], i) => ({
  name,
  color: palette[i],
  marker: markerShapes[i],
  points: evals(run).map((e) => ({
    x: minutes(e.elapsedMs!),
    y: e.greedy!,
    label: `${name}, step ${e.step}: ${e.greedy}`,
  })),
}));
writeFileSync(
  join(out, "sft.svg"),
  standalone(
    lineChart(sft, {
      title: "SFT: greedy accuracy, 100 held-out level-6 problems",
      xLabel: "training minutes (1 thread)",
      yLabel: "greedy accuracy",
      percent: true,
    }),
  ),
);

// 2. GRPO vs continued SFT, both from the SFT checkpoint (minute 0 here).
const start = log("small")
  .filter((e) => e.elapsedMs !== undefined)
  .at(-1)!.elapsedMs!;
const startGreedy = evals("small").at(-1)!.greedy!;
const fromCheckpoint = (run: string, offset: number) => [
  { x: 0, y: startGreedy },
  ...evals(run)
    .filter((e) => e.elapsedMs! > offset)
    .map((e) => ({
      x: minutes(e.elapsedMs! - offset),
      y: e.greedy!,
      label: `${run}, step ${e.step}: ${e.greedy}`,
    })),
];
const rl: ChartSeries[] = [
  { name: "GRPO, lr 1e-4, levels 4–6 (runs/grpo)", color: palette[2], points: fromCheckpoint("grpo", 0) },
  {
    name: "continued SFT, the control (runs/sft-more-12)",
    color: palette[3],
    dashed: true,
    points: fromCheckpoint("sft-more-12", start),
  },
  { name: "GRPO, lr 3e-5, all levels", color: palette[4], points: fromCheckpoint("grpo-lr3e-5", 0) },
  {
    name: "GRPO, lr 3e-4, all levels (stopped)",
    color: palette[1],
    points: fromCheckpoint("grpo-lr3e-4", 0),
  },
];
writeFileSync(
  join(out, "grpo.svg"),
  standalone(
    lineChart(rl, {
      title: "From the SFT checkpoint: GRPO vs continued SFT",
      xLabel: "minutes after the SFT checkpoint (1 thread, runs side by side)",
      yLabel: "greedy accuracy (100 held-out)",
      percent: true,
    }),
  ),
);

// 3. Accuracy against model compute, from the eval runs with llama.cpp: one point per distinct cell.
const parameters: Record<string, number> = {};
const paramsOf = async (gguf: string) => (parameters[gguf] ??= (await inspectGguf(gguf)).parameters);
const modelNames: Record<string, string> = {
  "runs/small/model.gguf": "SFT",
  "runs/grpo/model.gguf": "tiny-reasoner",
  "runs/large/model.gguf": "large",
};
function cellName(cell: EvalResults["cells"][number]): string | undefined {
  const model = modelNames[cell.policy];
  if (model === undefined) return undefined;
  const o = cell.strategyOptions as Record<string, unknown>;
  switch (cell.strategy) {
    case "cot":
      return `${model} greedy`;
    case "self-consistency":
      return `${model} self-consistency@${o.samples}`;
    case "weighted-best-of-n":
      return `${model} weighted best-of-${o.samples} (verifier)`;
    case "cascade":
      // Thresholds that escalated (almost) nothing or everything add no point of their own.
      if (o.signal === "confidence")
        return o.threshold === 0.95 ? "cascade: greedy → large when p̄ < 0.95" : undefined;
      if (o.threshold === 0.9) return undefined;
      return `cascade: SC@${o.samples} → large ${o.largeSamples ? `SC@${o.largeSamples}` : "greedy"} (τ ${o.threshold})`;
    default:
      return undefined;
  }
}
const colors = [...palette, "#111827", "#a16207"];
const points: ChartSeries[] = [];
const seen = new Set<string>();
for (const run of ["eval-generators", "eval-verifier", "eval-cascade"]) {
  let results: EvalResults;
  try {
    results = JSON.parse(readFileSync(join(runs, run, "results.json"), "utf8"));
  } catch {
    continue;
  }
  for (const cell of results.cells) {
    const name = cellName(cell);
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    const roleModel: Record<string, string | undefined> = {
      policy: cell.policy,
      large: cell.large,
      verifier: cell.verifier,
    };
    let flops = 0;
    for (const [role, u] of Object.entries(cell.summary.usage ?? {})) {
      const model = roleModel[role];
      if (model && u) flops += 2 * (await paramsOf(model)) * (u.promptTokens + u.completionTokens);
    }
    const perProblem = flops / Math.max(1, cell.summary.n) / 1e6;
    points.push({
      name,
      color: colors[points.length % colors.length],
      marker: markerShapes[points.length % markerShapes.length],
      scatter: true,
      points: [
        {
          x: perProblem,
          y: cell.accuracy,
          label: `${name}: ${(100 * cell.accuracy).toFixed(1)}%, ${perProblem.toFixed(0)} MFLOP`,
        },
      ],
    });
  }
}
writeFileSync(
  join(out, "strategies.svg"),
  standalone(
    lineChart(points, {
      title: "Fresh level-6 problems (llama.cpp): accuracy vs model compute",
      xLabel: "MFLOP per problem (2 × parameters × tokens), log scale",
      yLabel: "accuracy",
      logX: true,
      percent: true,
      height: 360,
    }),
  ),
);
console.log(`wrote ${out}/{sft,grpo,strategies}.svg`);
