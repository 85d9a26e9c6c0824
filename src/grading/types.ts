/**
 * The grader's contract. Type-only.
 */

/** A verdict, never a bare boolean: crashes and timeouts must not hide as wrong answers. */
export type Verdict = "correct" | "incorrect" | "unparseable" | "error" | "timeout";

/** How the grader reads answers: picks extraction patterns. */
export type AnswerKind = "math" | "number" | "choice" | "text" | "code";

export interface GradeOptions {
  /** Default `math`: \boxed{}, "final answer is", GSM8K `####`, then the last number. */
  kind?: AnswerKind;
  /** For `choice`: the options, so "the answer is Paris" maps to its letter. */
  choices?: string[];
  /** `50\%` equals `0.5` (Math-Verify's convention) when true (default); equals `50` when false. */
  percentAsFraction?: boolean;
  /** Allow the last number in the text as a fallback answer. Default true for math/number. */
  lastNumberFallback?: boolean;
  /** Relative tolerance for float comparison after exact checks fail. Default 1e-6 (6-decimal convention). */
  tolerance?: number;
  /** Hard time limit in ms (worker pool). */
  timeoutMs?: number;
}

export interface GradeResult {
  correct: boolean;
  verdict: Verdict;
  /** The answer extracted from the candidate, or null. */
  predicted: string | null;
  /** The gold answer as extracted/normalised. */
  gold: string | null;
  /** Which comparison decided it: `string`, `numeric`, `symbolic`, `set`, `interval`, `choice`, ... */
  method: string;
  /** Human-readable why, especially for non-correct verdicts. */
  reason: string;
}
