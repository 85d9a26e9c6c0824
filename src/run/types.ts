/**
 * The call layer's contract: a problem, the backends by role, a budget and the context every model
 * call runs in. Strategies and verifiers both sit on this layer; it imports nothing above it.
 * Type-only.
 */
import type { ChatMessage, GenerateRequest, ModelBackend, TokenUsage } from "../models/types.ts";
import type { CodeTests } from "../sandbox/types.ts";
import type { TraceRecorder } from "../trace/recorder.ts";

/** What kind of answer a problem expects; picks prompt templates and the grader's extraction. */
export type TaskKind = "math" | "choice" | "code" | "text";

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

export type BackendRole = keyof Backends;

/** Everything a model call needs: backends, budget and its ledger, trace, seed, abort signal. */
export interface RunContext {
  backends: Backends;
  budget: Budget;
  trace: TraceRecorder;
  /** Base seed; sample seeds derive from (seed, problem id, sample index). */
  seed: number;
  signal?: AbortSignal;
  /** Usage spent so far in this solve, shared by nested strategies and verifiers: one budget for all. */
  ledger: UsageLedger;
  /** Trace node new nodes hang under (the enclosing strategy span or score node). */
  parentId?: string;
}

export interface BackendUsage extends TokenUsage {
  calls: number;
  /** Cost in the configured currency, when prices are configured. */
  cost?: number;
}

/** What a call may spend, decided before it is sent. */
export interface CallAllowance {
  /** Samples this call may take, <= the request's n. */
  n: number;
  /** Completion tokens per sample, or undefined when the budget does not limit tokens. */
  maxTokens?: number;
  /** Epoch ms when the time budget runs out, or undefined. */
  deadline?: number;
}

/**
 * The running totals of one solve and everything the budget needs besides them: calls in flight
 * (reserved at their worst case so parallel calls cannot all pass on the same remainder) and the
 * prompt-token density learned per backend. One ledger per solve, created by `solve()`.
 */
export interface UsageLedger {
  /** Epoch ms when the solve started; `maxSeconds` counts from here. */
  readonly startedAt: number;
  /** Usage per backend id (live; `snapshot()` for a copy). */
  readonly usage: Readonly<Record<string, BackendUsage>>;
  /** Model calls charged so far, over every backend. */
  calls(): number;
  /** Tokens (prompt plus completion) charged so far, over every backend. */
  tokens(): number;
  /** Adds one finished (or failed) call's usage. */
  charge(backendId: string, usage: { promptTokens: number; completionTokens: number }): void;
  /** An upper estimate of a request's prompt tokens on a backend, tightened by what it has seen. */
  estimatePrompt(backendId: string, request: GenerateRequest): number;
  /** Learns a backend's prompt-token density from a finished call. */
  observePrompt(backendId: string, request: GenerateRequest, promptTokens: number, samples: number): void;
  /**
   * Checks the budget counting calls in flight at their worst case and reserves this call's worst
   * case until `release()`. Throws `BUDGET` when no call fits.
   */
  reserve(
    budget: Budget,
    request: GenerateRequest,
    estimate: number,
  ): { allowance: CallAllowance; release(): void };
  /**
   * How to split what is left over `count` separate single-sample calls: how many to make and the
   * completion tokens each may use. Throws `BUDGET` when not even one fits.
   */
  plan(
    budget: Budget,
    request: GenerateRequest,
    count: number,
    estimate: number,
  ): { n: number; maxTokens?: number };
  /** A deep copy of the usage, for a Solution that must not change after it is returned. */
  snapshot(): Record<string, BackendUsage>;
}
