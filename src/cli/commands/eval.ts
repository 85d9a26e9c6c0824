/**
 * `deliberate eval`: run models × strategies × datasets from flags or a YAML eval file, resumably.
 * A thin shell: flags → an eval plan → `runEvalPlan` → a short table on stdout.
 */

import { Command, InvalidArgumentError } from "commander";
import { formatFlops } from "../../eval/compute-flops.ts";
import { type EvalPlanInput, parseEvalPlan, readEvalFile } from "../../eval/eval-plan.ts";
import { percent } from "../../eval/report-rows.ts";
import type { CellResult } from "../../eval/results.ts";
import { runEvalPlan } from "../../eval/run-plan.ts";
import { describeDefaultThreads } from "../../models/llama/default-threads.ts";
import { definedOnly } from "../../util/defined-only.ts";
import { contextSizeOption, MODEL_SPEC_HELP } from "../model-flags.ts";
import { collect, integer, number } from "../parse-number.ts";

interface EvalFlags {
  model?: string[];
  large?: string;
  verifier?: string;
  strategy?: string[];
  dataset?: string[];
  layout?: string;
  field?: string[];
  limit?: number;
  samples?: number;
  seeds?: number;
  baseSeed?: number;
  difficulty?: number;
  out?: string;
  store?: string;
  shard?: string;
  queue?: string;
  concurrency?: number;
  maxCalls?: number;
  maxTokens?: number;
  maxSeconds?: number;
  system?: string;
  rawPrompt?: boolean;
  grader?: "pool" | "sync";
  config?: string;
  threads?: number;
  contextSize?: number;
  progress?: "auto" | "bar" | "lines" | "none";
  json?: boolean;
  parameters?: Record<string, number>;
}

export function evalCommand(): Command {
  return new Command("eval")
    .description("Evaluate models × strategies × datasets; re-running the same command resumes the run.")
    .argument("[file]", "a YAML eval file (flags given too override it)")
    .option("-m, --model <spec>", `model (repeatable): ${MODEL_SPEC_HELP}`, collect)
    .option("--large <spec>", "large model for every --model (cascade, speculative-thinking)")
    .option("--verifier <spec>", "verifier model for every --model (judges, reward models)")
    .option(
      "-s, --strategy <spec>",
      "strategy, with options as a query: self-consistency?samples=8 (repeatable)",
      collect,
    )
    .option(
      "-d, --dataset <spec>",
      "JSONL/JSON/CSV/Parquet file or synthetic:NAME?difficulty=2&n=50 (repeatable)",
      collect,
    )
    .option(
      "--layout <name>",
      "record layout of dataset files: gsm8k, math, aime, choice, code, plain (default: detected)",
    )
    .option(
      "--field <ours=theirs>",
      "field mapping for dataset files, e.g. question=prompt (repeatable)",
      collect,
    )
    .option("--limit <n>", "items per dataset (synthetic: how many to generate)", integer(0))
    .option("--samples <n>", "samples per problem for strategies that sample", integer(1))
    .option("--seeds <k>", "seeds per problem", integer(1))
    .option("--base-seed <n>", "first seed", integer(0))
    .option("--difficulty <d>", "synthetic difficulty; for files, keep only this difficulty", integer(1))
    .option("-o, --out <dir>", "run folder (default runs/eval-HASH of the grid)")
    .option(
      "--store <spec>",
      "store to share between runs: a SQLite file, or postgres://USER:PASSWORD@HOST/DB for many machines (default OUT/store.sqlite)",
    )
    .option(
      "--shard <i/N>",
      "run only static shard i of N (0-based, stable by item); combine the N run folders with `deliberate merge`",
    )
    .option(
      "--queue <url>",
      "run the items on `deliberate worker` processes listening on this Redis (redis://host:port); they write to --store",
    )
    .option(
      "--parameters <spec=count>",
      "a model's parameter count for FLOPs, e.g. openai:qwen@http://h:8000/v1=7.6e9 (repeatable; GGUF files say their own)",
      parameterCount,
    )
    .option("--concurrency <n>", "problems in flight per model", integer(1))
    .option("--max-calls <n>", "budget: model calls per problem", integer(1))
    .option("--max-tokens <n>", "budget: tokens per problem", integer(1))
    .option("--max-seconds <s>", "budget: seconds per problem", number(0.001))
    .option("--system <text>", "a system message before each question")
    .option(
      "--raw-prompt",
      "every model gets question + newline as a raw prompt, as raw:SPEC gives one model",
    )
    .option("--grader <mode>", "pool (worker threads with timeouts) or sync")
    .option("--config <file>", "config file (default ./deliberate.config.yaml when present)")
    .option("--threads <n>", `llama.cpp threads (${describeDefaultThreads()})`, integer(1))
    .addOption(contextSizeOption())
    .option("--progress <mode>", "auto, bar, lines or none", "auto")
    .option("--json", "print results.json instead of the table")
    .action(async (file: string | undefined, flags: EvalFlags) => {
      const base: Partial<EvalPlanInput> = file ? readEvalFile(file) : {};
      const budget = {
        ...base.budget,
        ...(flags.maxCalls ? { maxCalls: flags.maxCalls } : {}),
        ...(flags.maxTokens ? { maxTokens: flags.maxTokens } : {}),
        ...(flags.maxSeconds ? { maxSeconds: flags.maxSeconds } : {}),
      };
      const plan = parseEvalPlan({
        ...base,
        ...(flags.model ? { models: flags.model } : {}),
        ...(flags.strategy ? { strategies: flags.strategy } : {}),
        ...(flags.dataset ? { datasets: flags.dataset.map((spec) => datasetEntry(spec, flags)) } : {}),
        ...(flags.parameters ? { parameters: { ...base.parameters, ...flags.parameters } } : {}),
        ...definedOnly({
          large: flags.large,
          verifier: flags.verifier,
          limit: flags.limit,
          samples: flags.samples,
          seeds: flags.seeds,
          baseSeed: flags.baseSeed,
          difficulty: flags.difficulty,
          out: flags.out,
          store: flags.store,
          shard: flags.shard,
          queue: flags.queue,
          concurrency: flags.concurrency,
          systemPrompt: flags.system,
          rawPrompt: flags.rawPrompt,
          grader: flags.grader,
          config: flags.config,
          threads: flags.threads,
          contextSize: flags.contextSize,
        }),
        budget,
      });
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      try {
        const run = await runEvalPlan(plan, {
          progress: flags.progress,
          signal: controller.signal,
          log: (line) => process.stderr.write(`eval: ${line}\n`),
        });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(run.results, null, 2)}\n`);
          return;
        }
        for (const cell of run.results.cells) process.stdout.write(`${cellLine(cell)}\n`);
        // Items a queue's workers could not run at all; they stay unfinished, so a rerun retries them.
        if (run.failed.length > 0) {
          const [first] = run.failed;
          process.stdout.write(
            `${run.failed.length} items failed on workers (first: ${first.cell} ${first.itemId} seed ${first.seed}: ${first.reason})\n`,
          );
        }
        process.stdout.write(
          `${controller.signal.aborted ? "interrupted; run again to resume. " : ""}${run.solved} solved, ${run.skipped} reused → ${run.resultsPath}\n`,
        );
      } finally {
        process.off("SIGINT", stop);
      }
    });
}

/** One cell of results.json as a line of the table `eval` and `merge` print. */
export function cellLine(cell: CellResult): string {
  const s = cell.summary;
  return `${cell.model} | ${cell.strategy}${Object.keys(cell.strategyOptions).length ? JSON.stringify(cell.strategyOptions) : ""} | ${cell.dataset}: accuracy ${percent(s.accuracy)} [${percent(s.ci95[0])}, ${percent(s.ci95[1])}] n=${s.n} errors=${s.errors} tokens=${s.promptTokens + s.completionTokens}${computeNote(cell)}${roleNotes(cell)}`;
}

/** Model FLOPs per problem, or why they are unknown (results written before FLOPs say nothing). */
function computeNote(cell: CellResult): string {
  const compute = cell.compute;
  if (!compute) return "";
  if (compute.flopsPerProblem !== null) return ` FLOPs/problem=${formatFlops(compute.flopsPerProblem)}`;
  return ` FLOPs/problem=unknown (no parameter count for ${compute.unknownParameters.join(", ")}: give --parameters SPEC=COUNT)`;
}

/** `--parameters SPEC=COUNT`, repeatable, into one record; the count after the last `=`. */
function parameterCount(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const at = value.lastIndexOf("=");
  const spec = at < 0 ? "" : value.slice(0, at).trim();
  const text = at < 0 ? "" : value.slice(at + 1).trim();
  const count = Number(text);
  if (!spec || text === "" || !Number.isFinite(count) || count <= 0) {
    throw new InvalidArgumentError(
      at < 0 || !spec
        ? "expected SPEC=COUNT, e.g. openai:qwen@http://h:8000/v1=7.6e9"
        : `the count \`${text}\` of ${spec} is not a positive number`,
    );
  }
  return { ...previous, [spec]: count };
}

/** Large-model tokens and cost, escalation share and the large-only comparison, when the cell has them. */
function roleNotes(cell: CellResult): string {
  const s = cell.summary;
  const notes: string[] = [];
  const large = s.usage?.large;
  if (large) {
    const cost = large.cost > 0 ? ` cost=${large.cost.toFixed(4)}` : "";
    notes.push(`large tokens=${large.promptTokens + large.completionTokens}${cost}`);
  }
  if (s.cascade) notes.push(`escalated ${percent(s.cascade.escalationShare)}`);
  if (cell.vsLarge) {
    const v = cell.vsLarge;
    notes.push(
      `vs ${cell.large} alone: ${(100 * v.tokenRatio).toFixed(0)}% of its tokens, accuracy ${v.accuracyDelta >= 0 ? "+" : ""}${(100 * v.accuracyDelta).toFixed(1)} points`,
    );
  }
  return notes.length ? ` | ${notes.join(" | ")}` : "";
}

/** A dataset flag with `--layout` / `--field` applied to files (synthetic specs take neither). */
function datasetEntry(spec: string, flags: EvalFlags): unknown {
  if (spec.startsWith("synthetic:") || (!flags.layout && !flags.field)) return spec;
  const fields = Object.fromEntries(
    (flags.field ?? []).map((pair) => {
      const at = pair.indexOf("=");
      return at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  return {
    path: spec,
    ...(flags.layout ? { layout: flags.layout } : {}),
    ...(flags.field ? { fields } : {}),
  };
}
