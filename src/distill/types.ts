/**
 * The distillation pipeline's records: graded teacher traces, per-problem statistics, and the rows
 * of the plain JSONL files that the exports, the eval harness and the lab read. Type-only.
 *
 * One distill run writes a dataset folder:
 *   traces.jsonl     every graded trace (kept or not), `DistilledTrace`
 *   sft.jsonl        the kept (verified, deduplicated, mixed) traces, `SftRow`: the plain JSONL the
 *                    eval harness reads as a dataset (question, answer) and the lab trains on
 *                    (question, solution)
 *   dpo.jsonl        `DpoRow`: a correct and an incorrect rollout of the same problem
 *   prompts.jsonl    `PromptRow`: every problem with its gold answer (GRPO / RLVR prompt sets)
 *   manifest.json    `DistillManifest`: teachers, settings, counts, histograms
 *   README.md        the dataset card, from the manifest
 *   trl/, openrlhf/, verl/   the trainers' own formats (see `export-*.ts`)
 */
import type { TaskKind } from "../run/types.ts";
import type { CodeTests } from "../sandbox/types.ts";

/** Where a kept trace came from: a plain teacher sample, or a STaR rationalization (hinted with the gold answer). */
export type TraceSource = "sample" | "star";

/** One teacher completion for one problem, graded against the gold answer. */
export interface DistilledTrace {
  /** Stable: `problemId/teacher/source/sample`. */
  id: string;
  problemId: string;
  question: string;
  gold: string;
  kind: TaskKind;
  difficulty?: number;
  /** The teacher's model spec (or configured name). */
  teacher: string;
  source: TraceSource;
  /** The sample's index among the teacher's k for this problem. */
  sample: number;
  /** The completion as the teacher wrote it (with its `<think>` block, if any). */
  text: string;
  /** The text has a closed `<think>…</think>` block (a thinking-style trace). */
  thinking: boolean;
  /** The answer the grader read from it, or null when none could be read. */
  predicted: string | null;
  /** The grader's verdict: the only thing that decides whether a trace is kept. */
  correct: boolean;
  /** Completion tokens, as the backend counted them. */
  tokens: number;
}

/** Per-problem statistics over the plain samples (STaR rationales are not counted). */
export interface DistilledProblem {
  problemId: string;
  question: string;
  gold: string;
  kind: TaskKind;
  difficulty?: number;
  category?: string;
  tests?: CodeTests;
  /** Samples drawn over all teachers. */
  attempts: number;
  /** Of which the grader accepted. */
  correct: number;
  /** correct / attempts: the problem's measured difficulty (1 = every sample right). */
  passRate: number;
}

/** A line of `sft.jsonl`. */
export interface SftRow {
  id: string;
  question: string;
  /** The gold answer (the eval harness's `answer` field). */
  answer: string;
  /** The verified trace (the lab's training target; absent in answer-only data). */
  solution?: string;
  kind: TaskKind;
  difficulty?: number;
  teacher?: string;
  source?: TraceSource;
  passRate?: number;
  tokens?: number;
}

/** A line of `dpo.jsonl`: two rollouts of one problem, one the grader accepted and one it refused. */
export interface DpoRow {
  id: string;
  question: string;
  answer: string;
  chosen: string;
  rejected: string;
  teacher: string;
}

/** A line of `prompts.jsonl`: a problem and what a rule-based reward checks against. */
export interface PromptRow {
  id: string;
  question: string;
  answer: string;
  kind: TaskKind;
  difficulty?: number;
  tests?: CodeTests;
  passRate?: number;
}

/** Counts per bin, for the card's histograms. */
export interface Histogram {
  /** Lower edge of each bin (the last bin is closed). */
  edges: number[];
  counts: number[];
}

/** What a distill run did, written as `manifest.json` and rendered as the dataset card. */
export interface DistillManifest {
  schema: "deliberate/distill@1";
  createdAt: string;
  dataset: { spec: string; problems: number };
  teachers: string[];
  /** The run's settings as given (k, temperature, dedupe threshold, STaR, mix, budget, seed). */
  settings: Record<string, unknown>;
  counts: {
    traces: number;
    correct: number;
    /** Removed as exact copies of an earlier kept trace. */
    exactDuplicates: number;
    /** Removed as near-copies (MinHash Jaccard estimate ≥ the threshold). */
    nearDuplicates: number;
    /** STaR rationales kept (reached the gold answer without quoting the hint). */
    rationalized: number;
    kept: number;
    dpoPairs: number;
    /** Problems with no kept trace. */
    unsolved: number;
  };
  passRates: Histogram;
  /** Completion tokens of the kept traces. */
  lengths: Histogram & { mean: number; median: number; p90: number; max: number };
}
