/**
 * `deliberate distill`: teachers answer a dataset k times each, the grader keeps the verified traces,
 * and a dataset folder comes out (sft/dpo/prompts JSONL, trainer exports, card, manifest). A thin
 * shell: flags → `distill` → a short summary. Re-running the same command resumes a killed run.
 */

import { Command } from "commander";
import { distill } from "../../distill/distill.ts";
import type { DistillOptions } from "../../distill/distill-options.ts";
import type { ProgressMode } from "../../eval/progress.ts";
import { percent } from "../../eval/report-rows.ts";
import { describeDefaultThreads } from "../../models/llama/default-threads.ts";
import { definedOnly } from "../../util/defined-only.ts";
import { contextSizeOption, MODEL_SPEC_HELP } from "../model-flags.ts";
import { collect, integer, number } from "../parse-number.ts";

interface DistillFlags {
  teacher: string[];
  dataset: string;
  out: string;
  samples?: number;
  temperature?: number;
  maxCompletionTokens?: number;
  seed?: number;
  store?: string;
  queue?: string;
  dedupeThreshold?: number;
  ngram?: number;
  star?: boolean;
  mixLong?: number;
  longTokens?: number;
  dpoPairsPerProblem?: number;
  maxProblems?: number;
  maxCalls?: number;
  maxTokens?: number;
  maxSeconds?: number;
  concurrency?: number;
  rawPrompt?: boolean;
  system?: string;
  layout?: string;
  field?: string[];
  grader?: "pool" | "sync";
  config?: string;
  threads?: number;
  contextSize?: number;
  progress: ProgressMode;
  json?: boolean;
}

export function distillCommand(): Command {
  return new Command("distill")
    .description(
      "Distill verified reasoning data: teachers answer each problem k times, the grader keeps the right traces (deduplicated), written as SFT/DPO/prompt sets with trainer exports; re-running resumes.",
    )
    .requiredOption("-t, --teacher <spec>", `teacher model (repeatable): ${MODEL_SPEC_HELP}`, collect)
    .requiredOption("-d, --dataset <spec>", "JSONL/JSON/CSV/Parquet file or synthetic:NAME?difficulty=2&n=50")
    .requiredOption("-o, --out <dir>", "the dataset folder (also holds the store and the eval passes)")
    .option("-k, --samples <n>", "samples per problem per teacher (default 8)", integer(1))
    .option("--temperature <t>", "sampling temperature (default 0.8)", number(0))
    .option("--max-completion-tokens <n>", "most tokens per sample (default 1024)", integer(1))
    .option("--seed <n>", "run seed: every sample's seed derives from it (default 0)", integer(0))
    .option(
      "--store <spec>",
      "SQLite file or postgres:// URL to share between runs (default OUT/store.sqlite)",
    )
    .option(
      "--queue <url>",
      "draw the samples on `deliberate worker` processes listening on this Redis (redis://host:port); they write to --store",
    )
    .option(
      "--dedupe-threshold <j>",
      "near-duplicate MinHash Jaccard threshold in (0, 1] (default 0.8)",
      number(0, 1),
    )
    .option("--ngram <n>", "words per MinHash shingle (default 3)", integer(1))
    .option("--star", "STaR: ask unsolved problems again with a hint naming the gold answer")
    .option(
      "--mix-long <r>",
      "long traces' share of the kept traces, in [0, 1] (default: no mixing)",
      number(0, 1),
    )
    .option(
      "--long-tokens <n>",
      "a trace over this many tokens is long (thinking traces always are; default 1024)",
      integer(1),
    )
    .option("--dpo-pairs-per-problem <n>", "DPO pairs per problem (default 2)", integer(0))
    .option("--max-problems <n>", "problems to take from the dataset (synthetic: to generate)", integer(1))
    .option("--max-calls <n>", "budget: model calls per problem and teacher", integer(1))
    .option("--max-tokens <n>", "budget: tokens per problem and teacher", integer(1))
    .option("--max-seconds <s>", "budget: seconds per problem and teacher", number(0.001))
    .option("--concurrency <n>", "problems in flight per teacher (default 4)", integer(1))
    .option("--raw-prompt", "every teacher gets question + newline as a raw prompt, as raw:SPEC gives one")
    .option("--system <text>", "a system message before each question (and in the trainer files)")
    .option("--layout <name>", "record layout of a dataset file: gsm8k, math, aime, choice, code, plain")
    .option(
      "--field <ours=theirs>",
      "field mapping for a dataset file, e.g. question=prompt (repeatable)",
      collect,
    )
    .option("--grader <mode>", "pool (worker threads with timeouts) or sync")
    .option("--config <file>", "config file (default ./deliberate.config.yaml when present)")
    .option("--threads <n>", `llama.cpp threads (${describeDefaultThreads()})`, integer(1))
    .addOption(contextSizeOption())
    .option("--progress <mode>", "auto, bar, lines or none", "auto")
    .option("--json", "print manifest.json instead of the summary")
    .action(async (flags: DistillFlags) => {
      const options = {
        teachers: flags.teacher,
        dataset: flags.dataset,
        out: flags.out,
        ...definedOnly({
          samples: flags.samples,
          temperature: flags.temperature,
          maxCompletionTokens: flags.maxCompletionTokens,
          seed: flags.seed,
          store: flags.store,
          queue: flags.queue,
          dedupeThreshold: flags.dedupeThreshold,
          ngram: flags.ngram,
          star: flags.star,
          mixLong: flags.mixLong,
          longTokens: flags.longTokens,
          dpoPairsPerProblem: flags.dpoPairsPerProblem,
          maxProblems: flags.maxProblems,
          concurrency: flags.concurrency,
          rawPrompt: flags.rawPrompt,
          systemPrompt: flags.system,
          layout: flags.layout,
          fields: flags.field ? fieldMapping(flags.field) : undefined,
          grader: flags.grader,
          config: flags.config,
          threads: flags.threads,
          contextSize: flags.contextSize,
        }),
        budget: definedOnly({
          maxCalls: flags.maxCalls,
          maxTokens: flags.maxTokens,
          maxSeconds: flags.maxSeconds,
        }),
      } as DistillOptions;
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      try {
        const run = await distill({ ...options, progress: flags.progress, signal: controller.signal });
        if (run.interrupted || !run.manifest) {
          process.stdout.write(`interrupted; run again to resume (${run.storePath})\n`);
          return;
        }
        const m = run.manifest;
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
          return;
        }
        const c = m.counts;
        const errors = run.passes.eval.errors + (run.passes.star?.errors ?? 0);
        process.stdout.write(
          `${[
            `${m.dataset.problems} problems × ${m.teachers.length} teacher(s): ${c.traces} traces graded, ${c.correct} accepted (${percent(c.traces ? c.correct / c.traces : 0)})`,
            `removed ${c.exactDuplicates} exact and ${c.nearDuplicates} near duplicates; ${c.rationalized} STaR rationales; kept ${c.kept}; ${c.dpoPairs} DPO pairs; ${c.unsolved} problems unsolved`,
            `${run.passes.eval.solved + (run.passes.star?.solved ?? 0)} solved, ${run.passes.eval.reused + (run.passes.star?.reused ?? 0)} reused${errors ? `, ${errors} failed (run again to retry)` : ""} → ${run.outDir}`,
          ].join("\n")}\n`,
        );
      } finally {
        process.off("SIGINT", stop);
      }
    });
}

/** `question=prompt` pairs → `{question: "prompt"}`. */
function fieldMapping(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf("=");
      return at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
