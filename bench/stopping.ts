/**
 * What adaptive stopping saves: self-consistency with the Beta (Adaptive-Consistency), Dirichlet and
 * ESC stopping rules, and online DeepConf, against fixed self-consistency@16 — on the lab's builtin
 * model, fresh problems at the reference task's hardest level, all cells in one run. Prints JSON:
 * accuracy, samples per problem and completion tokens per problem, and each against the fixed @16.
 *
 *   npm run bench:stopping        (env: BENCH_PROBLEMS, BENCH_SEED, BENCH_MODEL)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEvalPlan } from "../src/eval/eval-plan.ts";
import { runEvalPlan } from "../src/eval/run-plan.ts";
import { openStore } from "../src/eval/store.ts";
import { builtinManifest } from "../src/models/builtin.ts";

const PROBLEMS = Number(process.env.BENCH_PROBLEMS ?? 30);
const SEED = Number(process.env.BENCH_SEED ?? 20261204);
const MODEL = process.env.BENCH_MODEL ?? "builtin:tiny-reasoner";
const manifest = builtinManifest();
const level = manifest.task.hardest;
const sampling = { samples: 16, temperature: 1, maxTokens: 120 };
const cells = [
  { label: "self-consistency@16", name: "self-consistency", options: sampling },
  { label: "beta", name: "self-consistency", options: { ...sampling, stopping: "beta" } },
  { label: "dirichlet", name: "self-consistency", options: { ...sampling, stopping: "dirichlet" } },
  { label: "esc", name: "self-consistency", options: { ...sampling, stopping: "esc" } },
  { label: "deepconf-online", name: "confidence-vote", options: { ...sampling, online: true } },
];

const out = mkdtempSync(join(tmpdir(), "deliberate-bench-stopping-"));
const plan = parseEvalPlan({
  models: [{ spec: MODEL }],
  strategies: cells.map(({ name, options }) => ({ name, options })),
  datasets: [`synthetic:${manifest.task.name}?difficulty=${level}&n=${PROBLEMS}&seed=${SEED}`],
  out,
  threads: 1,
  concurrency: 4,
});
const run = await runEvalPlan(plan, { progress: "none" });
const store = await openStore(run.storePath);
const rows = [];
for (const [i, cell] of run.results.cells.entries()) {
  const records = await store.records(cell.cell);
  const mean = (f: (r: (typeof records)[number]) => number) =>
    records.reduce((sum, r) => sum + f(r), 0) / Math.max(1, records.length);
  rows.push({
    cell: cells[i]?.label ?? cell.strategy,
    accuracy: round(cell.accuracy),
    samplesPerProblem: round(mean((r) => r.samples.length)),
    completionTokensPerProblem: round(mean((r) => r.completionTokens)),
  });
}
await store.close();
const fixed = rows[0]!;
console.log(
  JSON.stringify(
    {
      bench: "stopping",
      model: MODEL,
      task: `${manifest.task.name} level ${level}`,
      problems: PROBLEMS,
      seed: SEED,
      cells: rows.map((row) => ({
        ...row,
        accuracyVsFixed: round(row.accuracy - fixed.accuracy),
        samplesVsFixed: round(row.samplesPerProblem / fixed.samplesPerProblem),
        tokensVsFixed: round(row.completionTokensPerProblem / fixed.completionTokensPerProblem),
      })),
    },
    null,
    2,
  ),
);

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
