/**
 * The reward service's contract: one item (a model output and what it must equal or pass) → a reward
 * with the verdict behind it. A reward is never given for what could not be checked: a gold answer
 * that does not parse or does not equal itself, a grader crash or a grader timeout gets the fallback
 * reward and `scored: false`, so a trainer can drop it (TRL's None). A program that crashed, did not
 * parse, was refused or ran out of time is the candidate's fault: reward 0, scored. Type-only.
 */
import type { Verdict } from "../grading/types.ts";
import type { CodeTests } from "../sandbox/types.ts";

/** What kind of answer an item expects. */
export type RewardKind = "math" | "choice" | "code";

export interface RewardItem {
  /** The model's output: a whole completion, thinking included (only the part after `</think>` is graded). */
  output: string;
  /** The gold answer for math and choice items (a letter for choice); ignored for code. */
  gold?: string;
  /** Default `math`. */
  kind?: RewardKind;
  /** Multiple-choice options in order, for `choice`. */
  choices?: string[];
  /** Tests the code in `output` must pass, for `code`. */
  tests?: CodeTests;
  /** The prompt, for length and format shaping only (never graded). */
  prompt?: string;
}

/**
 * Why an item got its reward: the grader's verdict, or `bad-gold` when the gold answer itself could
 * not be checked (it does not parse, or does not grade equal to itself).
 */
export type RewardVerdict = Verdict | "bad-gold";

/** The parts of a reward, each reported to the trainer (OpenRLHF `extra_logs`). */
export interface RewardComponents {
  /** 1 when the answer is right, else 0 (the fallback when it could not be checked). */
  correctness: number;
  /** Format shaping: `<think>…</think>` structure and an answer present, in [0, 1]; absent when off. */
  format?: number;
  /** Soft length penalty, in [-1, 0]; absent when off. */
  length?: number;
}

export interface RewardResult {
  /** correctness + weighted shaping terms. */
  reward: number;
  verdict: RewardVerdict;
  /** False when the item could not be checked (bad gold, grader error, timeout): a trainer should drop it. */
  scored: boolean;
  /** The answer read from the output, or null. */
  predicted: string | null;
  /** The gold answer as the grader read it, or null. */
  gold: string | null;
  /** Which comparison decided (`numeric`, `symbolic`, `tests`, …). */
  method: string;
  reason: string;
  components: RewardComponents;
  /** Wall time spent on this item, in ms. */
  ms: number;
}

export interface RewardShaping {
  /** Weight of the format term (0 = off). Default 0. */
  formatWeight?: number;
  /** Weight of the length penalty (0 = off). Default 0. */
  lengthWeight?: number;
  /** Outputs longer than this many characters start to be penalised. Default 4000. */
  lengthTarget?: number;
  /** Characters past `lengthTarget` at which the penalty reaches -1. Default 4000. */
  lengthSpan?: number;
}

export interface RewardOptions {
  /** Hard time limit per item, in ms (math in a worker pool, code in the sandbox). Default 5000. */
  timeoutMs?: number;
  /** Reward for an item that could not be checked (bad gold, error, timeout). Default 0. */
  fallback?: number;
  shaping?: RewardShaping;
}

/** Scores items; one pathological item times out alone while the rest are scored. */
export interface RewardScorer {
  score(items: readonly RewardItem[], options?: { signal?: AbortSignal }): Promise<RewardResult[]>;
  /** Ends the worker pool and the sandboxes. */
  close(): Promise<void>;
}
