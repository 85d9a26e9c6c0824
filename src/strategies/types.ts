/**
 * The strategy contract: `solve(problem, ctx) → Solution`. Type-only.
 */
import type { ChatMessage, ModelBackend, TokenUsage } from "../models/types.ts";
import type { TraceRecorder } from "../trace/recorder.ts";

/** What kind of answer a problem expects; picks prompt templates and the grader's extraction. */
export type TaskKind = "math" | "choice" | "code" | "text";

export interface CodeTests {
  language: "javascript" | "python";
  /** Test code run after the candidate's code; it throws (or exits non-zero) on failure. */
  code: string;
}

export interface Problem {
  /** The conversation to answer; the last message is the user's question. */
  messages: ChatMessage[];
  /** Stable id (for seeds and caches). */
  id?: string;
  kind?: TaskKind;
  /** Multiple-choice options, in order (A, B, ...). */
  choices?: string[];
  /** Tests a code answer must pass (for programmatic verifiers; never the gold answer). */
  tests?: CodeTests;
}

export interface Budget {
  /** Most model calls (one call may sample n completions). */
  maxCalls?: number;
  /** Most tokens, prompt plus completion, over every call. */
  maxTokens?: number;
  /** Most wall-clock seconds. */
  maxSeconds?: number;
}

/** The backends a strategy may use, by role. */
export interface Backends {
  /** The model that reasons. */
  policy: ModelBackend;
  /** A larger model for escalation and speculative thinking. */
  large?: ModelBackend;
  /** A model used as judge or reward model. */
  verifier?: ModelBackend;
}

export interface StrategyContext {
  backends: Backends;
  budget: Budget;
  trace: TraceRecorder;
  /** Base seed; sample seeds derive from (seed, problem id, sample index). */
  seed: number;
  signal?: AbortSignal;
  /**
   * Usage spent so far in this solve, shared by nested strategies so one budget covers them all.
   * Created by `solve()` (or the first model call) when absent.
   */
  ledger?: UsageLedger;
  /** Trace node the strategy's own span hangs under (a nesting strategy's span). */
  parentId?: string;
}

/** Running totals of one solve: what the budget is checked against and what `Solution.usage` reports. */
export interface UsageLedger {
  /** Epoch ms when the solve started; `maxSeconds` counts from here. */
  readonly startedAt: number;
  /** Usage per backend id. */
  readonly usage: Record<string, BackendUsage>;
  /** Model calls so far, over every backend. */
  calls(): number;
  /** Tokens (prompt plus completion) so far, over every backend. */
  tokens(): number;
  /** Adds one call's usage. */
  charge(backendId: string, usage: { promptTokens: number; completionTokens: number }): void;
}

export interface BackendUsage extends TokenUsage {
  calls: number;
  /** Cost in the configured currency, when prices are configured. */
  cost?: number;
}

export interface Solution {
  /** The answer as the model wrote it (the final text of the chosen candidate). */
  text: string;
  /** The extracted answer, or null when none could be extracted. */
  answer: string | null;
  /** The canonical key equivalent answers share (grading's `answerKey`). */
  key: string | null;
  /** In [0, 1]: vote share, verifier score or mean token probability, per strategy. */
  confidence: number;
  /** Usage per backend id. */
  usage: Record<string, BackendUsage>;
  wallMs: number;
  traceId: string;
  strategy: string;
}

export type Strategy<Options = Record<string, unknown>> = (
  problem: Problem,
  ctx: StrategyContext,
  options?: Options,
) => Promise<Solution>;
