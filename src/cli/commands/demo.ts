/**
 * `deliberate demo`: the lab's reference models on fresh problems, offline. Greedy decoding against
 * the strategies that make a small model reason better — self-consistency, a verifier's weighted vote,
 * a cascade to the 4x larger model — with each one's accuracy and model compute, then the HTML report.
 */
import { randomInt } from "node:crypto";
import { Command } from "commander";
import { parseEvalPlan } from "../../eval/eval-plan.ts";
import { writeReport } from "../../eval/report.ts";
import { percent } from "../../eval/report-rows.ts";
import type { CellResult } from "../../eval/results.ts";
import { runEvalPlan } from "../../eval/run-plan.ts";
import { builtinManifest } from "../../models/builtin.ts";
import { describeDefaultThreads } from "../../models/llama/default-threads.ts";
import { requiredRoles } from "../../strategies/index.ts";
import { integer, number } from "../parse-number.ts";

interface DemoFlags {
  problems: number;
  samples: number;
  difficulty?: number;
  seed?: number;
  threshold: number;
  out?: string;
  threads?: number;
  progress: "auto" | "bar" | "lines" | "none";
}

const small = "builtin:tiny-reasoner";
const large = "builtin:tiny-reasoner-large";
const verifier = "builtin:tiny-reasoner-verifier";

export function demoCommand(): Command {
  return (
    new Command("demo")
      .description(
        "Greedy vs. self-consistency, a verifier and a small→large cascade, on fresh problems with the builtin models (offline).",
      )
      .option("-n, --problems <n>", "fresh problems", integer(1), 50)
      .option("--samples <k>", "samples per problem for voting and the verifier", integer(1), 16)
      .option("--difficulty <d>", "task level (default: the hardest the models were trained on)", integer(1))
      .option("--seed <n>", "problem set seed (default: a new one each run)", integer(0))
      // 0.5: on 300 fresh problems (scripts/eval/cascade.yaml) it kept 94% of the large model's
      // self-consistency accuracy at 13% of its compute; 0.75 escalated half the questions for less.
      .option(
        "--threshold <p>",
        "cascade: escalate when the small model's vote share is below this",
        number(0),
        0.5,
      )
      .option("-o, --out <dir>", "run folder (default runs/demo-SEED)")
      .option("--threads <n>", `llama.cpp threads (${describeDefaultThreads()})`, integer(1))
      .option("--progress <mode>", "auto, bar, lines or none", "auto")
      .action(async (flags: DemoFlags) => {
        const manifest = builtinManifest();
        const parameters = Object.fromEntries(
          manifest.models.map((m) => [`builtin:${m.name}`, m.parameters]),
        );
        // Model compute as a price: ~2 FLOPs per parameter per token, so a cell's cost is its MFLOPs.
        const flops = (spec: string) => ({ prompt: 2 * parameters[spec], completion: 2 * parameters[spec] });
        const seed = flags.seed ?? randomInt(1_000_000, 2 ** 31 - 1);
        const difficulty = flags.difficulty ?? manifest.task.hardest;
        const sampling = { samples: flags.samples, temperature: 1, maxTokens: 120 };
        const plan = parseEvalPlan({
          models: [
            {
              spec: small,
              large,
              verifier,
              price: flops(small),
              largePrice: flops(large),
              verifierPrice: flops(verifier),
            },
            { spec: large, price: flops(large), strategies: ["cot", "self-consistency"] },
          ],
          strategies: [
            { name: "cot", options: { maxTokens: 120 } },
            { name: "self-consistency", options: sampling },
            { name: "weighted-best-of-n", options: { ...sampling, verifier: "reward" } },
            {
              name: "cascade",
              options: { samples: 8, temperature: 1, maxTokens: 120, threshold: flags.threshold },
            },
          ],
          datasets: [
            `synthetic:${manifest.task.name}?difficulty=${difficulty}&n=${flags.problems}&seed=${seed}`,
          ],
          out: flags.out ?? `runs/demo-${seed}`,
          threads: flags.threads,
          concurrency: 4,
          costUnit: "MFLOP",
        });
        process.stderr.write(
          `${flags.problems} fresh \`${manifest.task.name}\` problems at level ${difficulty} (seed ${seed}); ${small} vs ${large}\n`,
        );
        const run = await runEvalPlan(plan, { progress: flags.progress });
        const cells = run.results.cells;
        const greedy = cells.find((c) => c.policy === small && c.strategy === "cot");
        const rows = cells.map((cell) => [
          `${cell.strategy}${cell.strategy === "cot" ? " (greedy)" : ""}`,
          cellModels(cell),
          `${percent(cell.accuracy)} [${percent(cell.summary.ci95[0])}, ${percent(cell.summary.ci95[1])}]`,
          greedy && cell !== greedy ? signedPoints(cell.accuracy - greedy.accuracy) : "",
          (cell.summary.cost / Math.max(1, cell.summary.n)).toFixed(1),
          cell.summary.cascade ? `escalated ${percent(cell.summary.cascade.escalationShare)}` : "",
        ]);
        process.stdout.write(
          table(["strategy", "models", "accuracy [95% CI]", "vs greedy", "MFLOP/problem", ""], rows),
        );
        const report = await writeReport({ runs: [run.outDir], title: "deliberate demo" });
        process.stdout.write(`\nreport: ${report.html}\n`);
      })
  );
}

function cellModels(cell: CellResult): string {
  const name = (spec: string) => spec.replace(/^builtin:/, "");
  // Name the extra models the cell's strategy used: the large one it escalates to, or its verifier.
  if (cell.large && requiredRoles(cell.strategy).includes("large"))
    return `${name(cell.policy)} → ${name(cell.large)}`;
  if (cell.verifier && cell.summary.usage?.verifier) return `${name(cell.policy)} + ${name(cell.verifier)}`;
  return name(cell.policy);
}

function signedPoints(delta: number): string {
  return `${delta >= 0 ? "+" : ""}${(100 * delta).toFixed(1)} pts`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd()}\n`;
  return [line(header), ...rows.map(line)].join("");
}
