/**
 * `results.json`, the run folder's summary. Schema (`deliberate/eval-results@1`):
 *
 * ```
 * {
 *   schema: "deliberate/eval-results@1",
 *   runId: string,                 // the run folder's name
 *   createdAt: string, finishedAt: string,   // ISO 8601
 *   versions: { deliberate, nodeLlamaCpp, node, platform },
 *   settings: { ...resolved options: models, strategies (name + options), datasets (spec),
 *               seeds, baseSeed, budget, concurrency, ... },
 *   costUnit?: string,             // unit of every cost: "USD", "MFLOP", ... (the prices' unit)
 *   accuracy: number,              // overall accuracy in [0, 1], errors excluded
 *   overall: Summary,              // see metrics.ts: n, items, accuracy, ci95, errors, tokens,
 *                                  // calls, wallMs, cost, curves [{k, maj, weighted, pass, sets, tokens}],
 *                                  // byDifficulty / byCategory: {slice: {n, items, accuracy, ci95, errors}}
 *   cells: [{ cell, model, policy, large?, verifier?, strategy, strategyOptions, dataset,
 *             datasetSpec, items, seeds, accuracy, summary: Summary,
 *             vsLarge?: { cell, strategy, accuracy, tokensPerItem, cost, tokenRatio, costRatio,
 *                         accuracyDelta },   // cascade cells, when the large model alone is in the grid
 *             budget?: { option, value },        // a cell of a budget sweep (samples=4,8,16)
 *             compute?: { flopsPerProblem: number | null, unknownParameters: string[],
 *                         roles: { policy?: { model, parameters, tokensPerProblem, flopsPerProblem } … } } }],
 *   computeCurves?: [{ dataset, points: [{ cell, model, strategy, family, budget?, accuracy, n,
 *                                          flopsPerProblem: number | null, onFrontier: boolean | null }] }]
 * }
 * ```
 * FLOPs are model FLOPs, 2 × parameters × tokens over every call of every model (compute-flops.ts);
 * null where a model's parameter count is unknown. `computeCurves` has one entry per dataset, its
 * Pareto frontier marked (compute-curves.ts).
 * Summaries also carry `usage` per role ({policy, large?, verifier?}: calls, promptTokens,
 * completionTokens, cost) and, for cascades, `cascade` ({questions, escalated, escalationShare,
 * savedTokens}). Per-item records and their traces stay in the run's `store.sqlite` (table
 * `results`; stores written before traces moved there also have a `traces` table).
 */
import { readFileSync } from "node:fs";
import { DeliberateError } from "../errors.ts";
import { writeJsonAtomic } from "../util/write-json-atomic.ts";
import type { CellBudget, ComputeCurve } from "./compute-curves.ts";
import type { CellCompute } from "./compute-flops.ts";
import type { Summary } from "./metrics.ts";

export const resultsSchema = "deliberate/eval-results@1";

export interface CellResult {
  /** `model|strategy|dataset`, the key of the cell's records in the store. */
  cell: string;
  /** The policy's name, with the large and verifier models when the cell has them (`modelLabel`). */
  model: string;
  /** The policy model's name. */
  policy: string;
  /** The large model's name (cascade, speculative thinking). */
  large?: string;
  /** The verifier model's name. */
  verifier?: string;
  strategy: string;
  strategyOptions: Record<string, unknown>;
  dataset: string;
  datasetSpec: string;
  /** Items in the dataset (as loaded, after `limit`). */
  items: number;
  seeds: number[];
  accuracy: number;
  summary: Summary;
  /** A cell with a large model, compared with that model alone on the same dataset when the grid has it. */
  vsLarge?: LargeBaseline;
  /** The swept option and its value, when the cell is one budget of a sweep (`samples=4,8,16`). */
  budget?: CellBudget;
  /** Model FLOPs per problem, every model's calls counted; absent in files written before it. */
  compute?: CellCompute;
}

/** The large-model-only cell a cascade is compared with: its numbers and the cascade's ratios to them. */
export interface LargeBaseline {
  cell: string;
  strategy: string;
  accuracy: number;
  /** The baseline's mean tokens (prompt + completion) per attempt. */
  tokensPerItem: number;
  cost: number;
  /** The cascade's tokens per attempt (all models) over the baseline's. */
  tokenRatio: number;
  /** The cascade's cost over the baseline's; null when the baseline cost nothing (no prices). */
  costRatio: number | null;
  /** The cascade's accuracy minus the baseline's. */
  accuracyDelta: number;
}

export interface EvalResults {
  schema: typeof resultsSchema;
  runId: string;
  createdAt: string;
  finishedAt: string;
  versions: { deliberate: string; nodeLlamaCpp: string; node: string; platform: string };
  settings: Record<string, unknown>;
  /**
   * Unit of every `cost` in the file, the unit the prices were given in: a currency (`USD`) or model
   * compute (`MFLOP`, the demo's 2 × parameters per token). Absent in files written before it existed.
   */
  costUnit?: string;
  accuracy: number;
  overall: Summary;
  cells: CellResult[];
  /** Accuracy against model FLOPs per dataset, with the Pareto frontier; absent in files written before it. */
  computeCurves?: ComputeCurve[];
}

function packageVersion(url: URL): string {
  try {
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function deliberateVersion(): string {
  return packageVersion(new URL("../../package.json", import.meta.url));
}

export function versions(): EvalResults["versions"] {
  return {
    deliberate: deliberateVersion(),
    // Where deliberate runs from its own checkout; "unknown" when installed elsewhere.
    nodeLlamaCpp: packageVersion(new URL("../../node_modules/node-llama-cpp/package.json", import.meta.url)),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Writes atomically (a temp file renamed over the old one): a killed run never leaves half a file. */
export function writeResults(path: string, results: EvalResults): void {
  writeJsonAtomic(path, results);
}

export function readResults(path: string): EvalResults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `cannot read eval results ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if ((parsed as EvalResults)?.schema !== resultsSchema) {
    throw new DeliberateError("BAD_REQUEST", `${path} is not a ${resultsSchema} file`);
  }
  return parsed as EvalResults;
}
