/**
 * The options of a distill run, validated once at the boundary (the CLI and the library share them);
 * messages name the offending option.
 */
import { z } from "zod";
import { layoutNames } from "../eval/datasets/layouts.ts";
import type { ProgressMode } from "../eval/progress.ts";
import type { ModelBackend } from "../models/types.ts";
import { strictObject } from "../strict-object.ts";
import { parseOrBadRequest } from "../util/parse-or-bad-request.ts";

export const distillOptionsSchema = strictObject({
  /** Teacher model specs (configured name, .gguf, builtin:NAME, hf: URI, openai:MODEL@URL), at least one, distinct. */
  teachers: z
    .array(z.string().trim().min(1))
    .min(1)
    .refine((list) => new Set(list).size === list.length, "each teacher may be named once"),
  /** Any dataset spec the eval harness reads: a JSONL/JSON/CSV/Parquet file or `synthetic:NAME?difficulty=…&n=…`. */
  dataset: z.string().trim().min(1),
  /** Record layout of a dataset file; default detected. */
  layout: z.enum([...layoutNames, "auto"]).optional(),
  /** Field names of a dataset file that differ from the layout's (`{question: "prompt"}`). */
  fields: z.record(z.string(), z.string()).optional(),
  /** The output folder: the dataset files, `store.sqlite` (unless `store`), and the eval passes' `results.json`. */
  out: z.string().trim().min(1),
  /** Samples per problem per teacher (k), >= 1. Default 8. */
  samples: z.number().int().min(1).default(8),
  /** Sampling temperature, >= 0. Default 0.8. */
  temperature: z.number().min(0).default(0.8),
  /** Most tokens per sample; default the strategy's (1024). */
  maxCompletionTokens: z.number().int().min(1).optional(),
  /** Run seed: every sample's seed derives from it, the problem and the sample index. Default 0. */
  seed: z.number().int().min(0).default(0),
  /** The store (a SQLite file or a `postgres://` URL) to share between runs. Default `OUT/store.sqlite`. */
  store: z.string().trim().min(1).optional(),
  /**
   * `redis://host:port`: the teachers' samples are drawn by `deliberate worker` processes on this
   * Redis (the eval plan's `queue`), which write to `store`; the dataset comes out the same.
   */
  queue: z.string().trim().min(1).optional(),
  /** Near-duplicate threshold on estimated Jaccard similarity, in (0, 1]. Default 0.8. */
  dedupeThreshold: z.number().gt(0).max(1).default(0.8),
  /** Words per MinHash shingle, >= 1. Default 3. */
  ngram: z.number().int().min(1).default(3),
  /** STaR: ask problems no sample solved again with a hint naming the gold answer. Default false. */
  star: z.boolean().default(false),
  /** Long traces' share of the kept traces, in [0, 1]; absent: keep all (no mixing). */
  mixLong: z.number().min(0).max(1).optional(),
  /** A trace with more completion tokens than this is long (thinking-style ones always are). Default 1024. */
  longTokens: z.number().int().min(1).default(1024),
  /** DPO pairs per problem, >= 0. Default 2. */
  dpoPairsPerProblem: z.number().int().min(0).default(2),
  /** Problems to take from the dataset (its first ones; synthetic: how many to generate). */
  maxProblems: z.number().int().min(1).optional(),
  /** Budget per problem and teacher: model calls, tokens, seconds. */
  budget: strictObject({
    maxCalls: z.number().int().min(1).optional(),
    maxTokens: z.number().int().min(1).optional(),
    maxSeconds: z.number().positive().optional(),
  }).default({}),
  /** Problems in flight per teacher. Default 4. */
  concurrency: z.number().int().min(1).default(4),
  /** Every teacher gets `question + "\n"` as a raw prompt (models trained without a chat template). */
  rawPrompt: z.boolean().default(false),
  /** A system message before each question (also written into the trainers' files). */
  systemPrompt: z.string().optional(),
  /** `pool` (worker threads with timeouts, default) or `sync` (in-process, for trusted short answers). */
  grader: z.enum(["pool", "sync"]).default("pool"),
  /** Path of deliberate.config.yaml. */
  config: z.string().optional(),
  /** llama.cpp threads. */
  threads: z.number().int().min(1).optional(),
  /** llama.cpp tokens per sequence (prompt + completion), >= 16. */
  contextSize: z.number().int().min(16).optional(),
});

export type DistillSettings = z.output<typeof distillOptionsSchema>;

/** What `distill` takes: the settings above, and what cannot be written down. */
export type DistillOptions = z.input<typeof distillOptionsSchema> & {
  /** Default `auto`: a bar on a TTY, lines otherwise. */
  progress?: ProgressMode;
  /** Aborting stops the run; what finished is stored, nothing is written, and the next run resumes. */
  signal?: AbortSignal;
  /** Backends for teacher specs, instead of resolving them (tests, benches: scripted teachers). */
  backends?: Record<string, ModelBackend>;
};

export function parseDistillSettings(options: Record<string, unknown>): DistillSettings {
  return parseOrBadRequest(distillOptionsSchema, options, { subject: "distill", param: "options" });
}
