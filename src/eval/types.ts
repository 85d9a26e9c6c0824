/**
 * The eval harness's data: items with gold answers, datasets, and the graded record of one
 * (cell, item, seed). Type-only.
 */
import type { GradeResult } from "../grading/types.ts";
import type { TaskKind } from "../run/types.ts";
import type { CodeTests } from "../sandbox/types.ts";
import type { Escalation } from "../strategies/types.ts";

/** How an item's answer is checked when plain equivalence is not enough. */
export type ItemCheck =
  /** Countdown: any expression over the given numbers that reaches the target (`meta.numbers`, `meta.target`). */
  "countdown";

export interface EvalItem {
  /** Unique within its dataset; part of every seed and cache key. */
  id: string;
  /** The question as the user message. */
  question: string;
  /** The gold answer ("" for code items, which are graded by their tests). */
  gold: string;
  kind: TaskKind;
  /** Multiple-choice options in order (A, B, ...); `gold` is then a letter. */
  choices?: string[];
  /** Tests a code answer must pass. */
  tests?: CodeTests;
  /** 1 = easiest, when the dataset says. */
  difficulty?: number;
  category?: string;
  check?: ItemCheck;
  /** Anything else worth keeping (reference solution, source fields). */
  meta?: Record<string, unknown>;
}

export interface Dataset {
  /** Short name for tables: the file's base name or `synthetic:NAME`. */
  name: string;
  /** The spec it was loaded from (a path or `synthetic:NAME?...`). */
  spec: string;
  items: EvalItem[];
}

/** One graded attempt: a strategy's solution to one item under one seed. */
export interface EvalRecord {
  /** The grid cell: `model|strategy|dataset`. */
  cell: string;
  model: string;
  strategy: string;
  dataset: string;
  itemId: string;
  /** The question (clipped), so a report can show it without the dataset. */
  question?: string;
  seed: number;
  difficulty?: number;
  category?: string;
  /** `ok` once graded; `error` when the model, strategy or grader failed (retried on resume). */
  status: "ok" | "error";
  correct: boolean;
  verdict: GradeResult["verdict"] | "failed";
  gold: string;
  predicted: string | null;
  /** The canonical answer key of the solution, for voting across seeds. */
  key: string | null;
  confidence: number;
  /** Per-sample answers the strategy produced (from its trace), for maj@k / pass@k curves. */
  samples: SampleRecord[];
  promptTokens: number;
  completionTokens: number;
  calls: number;
  cost: number;
  wallMs: number;
  /**
   * Usage per role (`policy`, `large`, `verifier`): what each model of the cell spent on this
   * attempt, cost at that model's prices. The fields above are the sums over roles.
   */
  usage?: RoleUsageMap;
  /**
   * Usage of endpoints that are none of the cell's models (a pooling PRM server a step scorer
   * calls), by the id its calls are charged to (`pooling:MODEL@URL`). Counted in the totals above,
   * not in `usage`; its model FLOPs are unknown (no parameter count).
   */
  external?: Record<string, RoleUsage>;
  /** For a strategy that can escalate (a cascade): whether this question did (the Solution's `escalation`). */
  cascade?: CascadeOutcome;
  traceId?: string;
  /** The final text (trimmed) for the drill-down. */
  text: string;
  error?: string;
}

/** The roles a cell's models play (the strategy context's `backends`). */
export type ModelRole = "policy" | "large" | "verifier";

export interface RoleUsage {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

export type RoleUsageMap = Partial<Record<ModelRole, RoleUsage>>;

/** Whether a strategy that can escalate did, and its token estimate (the Solution's `escalation`). */
export type CascadeOutcome = Escalation;

/** One sampled candidate inside a solve. */
export interface SampleRecord {
  key: string | null;
  correct: boolean;
  /** Weight for weighted voting: a verifier score or the sample's mean token probability; 1 when unknown. */
  weight: number;
  tokens: number;
  /** The sample's full text; only when the run asked for it (`keepSampleTexts`: distillation). */
  text?: string;
  /** The answer the strategy read from the text (null when none); only with `text`. */
  answer?: string | null;
}
