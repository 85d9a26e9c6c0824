/**
 * An eval plan: the grid and settings of one run, from `deliberate eval` flags or a YAML eval file
 * (validated with zod; errors name the file, line and key). Example:
 *
 * ```yaml
 * models: [tiny.gguf, { spec: "openai:qwen@http://gpu:8000/v1", concurrency: 16 },
 *          { spec: tiny.gguf, large: big.gguf, verifier: judge.gguf }]
 * strategies: [cot, { name: self-consistency, options: { temperature: 0.7 }, sweep: { samples: [4, 8, 16] } }]
 * parameters: { "openai:qwen@http://gpu:8000/v1": 7.6e9 }   # for model FLOPs; GGUF files say their own
 * datasets: ["synthetic:arithmetic?difficulty=2&n=50", { path: gsm8k.jsonl, layout: gsm8k, limit: 100 }]
 * seeds: 3
 * out: runs/gsm8k-sweep
 * ```
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import { redisUrlProblem } from "../queue/redis-url.ts";
import { parseShard, shardProblem } from "../queue/shard.ts";
import { strictObject } from "../strict-object.ts";
import { deepestIssue, parseOrBadRequest } from "../util/parse-or-bad-request.ts";
import { layoutNames } from "./datasets/layouts.ts";
import type { StrategySpec } from "./runner.ts";
import { isPostgresSpec } from "./store-spec.ts";
import { parseStrategyEntry, queryValue, sweepProblem } from "./strategy-sweep.ts";

const fieldsSchema = strictObject({
  id: z.string().optional(),
  question: z.string().optional(),
  answer: z.string().optional(),
  solution: z.string().optional(),
  choices: z.string().optional(),
  tests: z.string().optional(),
  difficulty: z.string().optional(),
  category: z.string().optional(),
});

const priceSchema = z.object({ prompt: z.number().nonnegative(), completion: z.number().nonnegative() });

const modelSchema = z.union([
  z.string().min(1),
  strictObject({
    /** The model spec: configured name, .gguf path, builtin:NAME, hf: URI or openai:MODEL@URL; raw:SPEC for raw prompts. */
    spec: z.string().min(1),
    /** Label in tables; default the spec. */
    name: z.string().min(1).optional(),
    concurrency: z.number().int().min(1).optional(),
    /** Send `question + "\n"` as a raw prompt (models trained without a chat template). */
    rawPrompt: z.boolean().optional(),
    /** Per-million-token prices (overrides the config's). */
    price: priceSchema.optional(),
    /** The large model (`ctx.backends.large`: cascade, speculative thinking); overrides the plan's. */
    large: z.string().min(1).optional(),
    largePrice: priceSchema.optional(),
    /** The verifier model (`ctx.backends.verifier`: judges, reward models); overrides the plan's. */
    verifier: z.string().min(1).optional(),
    verifierPrice: priceSchema.optional(),
    /** Run only these of the plan's strategies (by name) on this model; default all. */
    strategies: z.array(z.string().min(1)).min(1).optional(),
  }),
]);

/**
 * A strategy: `name?key=value&…`, where a comma list of numbers sweeps that option over budgets
 * (`self-consistency?samples=4,8,16`), or `{name, options?, sweep?: {OPTION: [values]}}`
 * (strategy-sweep.ts).
 */
const strategySchema = z.union([
  z
    .string()
    .min(1)
    .superRefine((spec, ctx) => {
      try {
        parseStrategyEntry(spec);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
      }
    }),
  strictObject({
    name: z.string().min(1),
    options: z.record(z.string(), z.unknown()).optional(),
    sweep: z
      .record(
        z.string(),
        z.array(
          z.number({ error: (issue) => `\`${String(issue.input)}\` is not a number; a sweep lists numbers` }),
        ),
      )
      .optional(),
  }).superRefine((entry, ctx) => {
    const problem = sweepProblem(entry);
    if (problem) ctx.addIssue({ code: "custom", message: problem, path: ["sweep"] });
  }),
]);

const datasetSchema = z.union([
  z.string().min(1),
  strictObject({
    path: z.string().min(1),
    layout: z.enum([...layoutNames, "auto"]).optional(),
    fields: fieldsSchema.optional(),
    kind: z.enum(["math", "choice", "code", "text"]).optional(),
    limit: z.number().int().min(0).optional(),
    difficulty: z.number().int().min(1).optional(),
    n: z.number().int().min(0).optional(),
    seed: z.number().int().optional(),
  }),
]);

export const evalPlanSchema = strictObject({
  models: z.array(modelSchema).min(1),
  /** The large model of every model entry that names none (`--large`). */
  large: z.string().min(1).optional(),
  /** The verifier model of every model entry that names none (`--verifier`). */
  verifier: z.string().min(1).optional(),
  strategies: z.array(strategySchema).min(1).default(["cot"]),
  datasets: z.array(datasetSchema).min(1),
  /** Seeds per item. */
  seeds: z.number().int().min(1).default(1),
  baseSeed: z.number().int().min(0).default(0),
  /** Samples per item for every strategy that takes `samples` (overrides its own default). */
  samples: z.number().int().min(1).optional(),
  /** Items per dataset (synthetic: generated count). */
  limit: z.number().int().min(0).optional(),
  difficulty: z.number().int().min(1).optional(),
  out: z.string().min(1).optional(),
  store: z.string().min(1).optional(),
  budget: strictObject({
    maxCalls: z.number().int().min(1).optional(),
    maxTokens: z.number().int().min(1).optional(),
    maxSeconds: z.number().positive().optional(),
  }).default({}),
  systemPrompt: z.string().optional(),
  /** Every model gets `question + "\n"` as a raw prompt instead of chat messages (the lab's tiny models). */
  rawPrompt: z.boolean().default(false),
  /**
   * Parameter counts by model spec (as written in `models`, `large`, `verifier`), for model FLOPs:
   * models served over HTTP do not say theirs; a GGUF's is read from the file unless given here.
   * A model with no known count makes its cells' FLOPs unknown.
   */
  parameters: z.record(z.string().min(1), z.number().positive()).optional(),
  /** Items in flight per model. */
  concurrency: z.number().int().min(1).default(4),
  grader: z.enum(["pool", "sync"]).default("pool"),
  /**
   * Unit of the prices (configured or `price:` here), and so of every cost in results and reports:
   * a currency, or a compute unit such as `MFLOP` (prices of 2 × parameters per token). Default `USD`.
   */
  costUnit: z.string().min(1).default("USD"),
  /**
   * `redis://host:port[/db]`: run the items on `deliberate worker` processes listening on this
   * Redis (BullMQ) instead of in this process; results are the same. Workers write to `store`,
   * which they must all reach (a SQLite file on a shared filesystem, or Postgres).
   */
  queue: z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      const problem = text === undefined ? undefined : redisUrlProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  /**
   * `INDEX/COUNT`: run only this static shard's items (`0/4` … `3/4`), then `deliberate merge` the
   * COUNT run folders. Every shard must run the same plan otherwise (see src/queue/shard.ts).
   */
  shard: z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      const problem = text === undefined ? undefined : shardProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  /** Path of deliberate.config.yaml. */
  config: z.string().optional(),
  /** llama.cpp threads. */
  threads: z.number().int().min(1).optional(),
  /** llama.cpp tokens per sequence (prompt + completion), >= 16; default the config's, else the model's. */
  contextSize: z.number().int().min(16).optional(),
});

export type EvalPlanInput = z.input<typeof evalPlanSchema>;
export type EvalPlan = z.output<typeof evalPlanSchema>;

/**
 * Validates a plan given as a value (CLI flags put together), naming the offending option; for a
 * union (a string or an object) the branch that got furthest (`datasets.0.layout`).
 */
export function parseEvalPlan(value: unknown): EvalPlan {
  return parseOrBadRequest(evalPlanSchema, value, { subject: "eval", param: "plan", pick: "deepest" });
}

/** Reads a YAML eval file; relative paths in it are relative to the file. */
export function readEvalFile(path: string): EvalPlan {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new DeliberateError("BAD_REQUEST", `cannot read eval file ${path}: ${(error as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors[0]) {
    const { line, col } = lineCounter.linePos(doc.errors[0].pos[0]);
    throw new DeliberateError("CONFIG", `${path}:${line}:${col}: ${doc.errors[0].message.split("\n")[0]}`);
  }
  const parsed = evalPlanSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = deepestIssue(parsed.error.issues[0]);
    const keys = issue.path.map(String);
    const lookup = issue.code === "unrecognized_keys" ? [...keys, issue.keys[0]] : keys;
    let line: number | undefined;
    for (let depth = lookup.length; depth > 0 && line === undefined; depth--) {
      const node = doc.getIn(lookup.slice(0, depth), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range) line = lineCounter.linePos(node.range[0]).line;
    }
    const where = keys.length ? `\`${keys.join(".")}\`` : "the file";
    throw new DeliberateError("CONFIG", `${path}${line ? `:${line}` : ""}: ${where}: ${issue.message}`, {
      param: keys.join("."),
    });
  }
  const base = dirname(path);
  const rebase = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const plan = parsed.data;
  return {
    ...plan,
    datasets: plan.datasets.map((d) =>
      typeof d === "string"
        ? d.startsWith("synthetic:")
          ? d
          : rebase(d)
        : { ...d, path: d.path.startsWith("synthetic:") ? d.path : rebase(d.path) },
    ),
    ...(plan.out ? { out: rebase(plan.out) } : {}),
    // A postgres:// store is a URL, not a path relative to the file.
    ...(plan.store ? { store: isPostgresSpec(plan.store) ? plan.store : rebase(plan.store) } : {}),
  };
}

/** `self-consistency?samples=8&temperature=0.7` → `{name, options}` (a sweep's list is text here: see `parseStrategyEntry`). */
export function parseStrategySpec(spec: string): StrategySpec {
  const [name, query] = spec.split("?", 2);
  if (!name) throw new DeliberateError("BAD_REQUEST", `empty strategy in \`${spec}\``, { param: "strategy" });
  const options = Object.fromEntries(
    [...new URLSearchParams(query ?? "").entries()].map(([key, value]) => [key, queryValue(value)]),
  );
  return Object.keys(options).length ? { name, options } : { name };
}

/**
 * The default run folder: `runs/eval-HASH` of the grid, so the same command resumes the same run;
 * `runs/eval-HASH-shard-2-of-4` for a shard.
 */
export function defaultOutDir(plan: EvalPlan): string {
  const identity = JSON.stringify([
    plan.models,
    // Only when given, so the folders of single-model runs keep their names.
    ...(plan.large || plan.verifier ? [plan.large, plan.verifier] : []),
    plan.strategies,
    plan.datasets,
    plan.seeds,
    plan.samples,
    plan.limit,
    plan.difficulty,
  ]);
  const hash = createHash("sha256").update(identity).digest("hex").slice(0, 10);
  // Shards of one plan on one machine (or a shared volume) each get their own folder and store.
  if (!plan.shard) return join("runs", `eval-${hash}`);
  const { index, count } = parseShard(plan.shard);
  return join("runs", `eval-${hash}-shard-${index}-of-${count}`);
}
