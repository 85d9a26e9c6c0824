/**
 * The verifier contract: a score in [0, 1] for one candidate answer to a problem. Type-only.
 */
import type { Problem, RunContext } from "../run/types.ts";

/** What a verifier sees of a candidate. */
export interface VerifyCandidate {
  /** The candidate's full text (thinking included; verifiers read the answer part). */
  text: string;
  /** The extracted answer, when there is one. */
  answer: string | null;
  /** Position among the strategy's candidates, for the trace. */
  index?: number;
}

export interface VerifierScore {
  /** In [0, 1]; higher is more likely correct. */
  score: number;
  /** How it was obtained (e.g. `logprobs`, `text-fallback`, `tests`), kept in the `score` trace node. */
  method: string;
  /** Anything else worth tracing (failed checks, P(yes) and P(no) masses). */
  data?: Record<string, unknown>;
}

export interface Verifier {
  /** Short label for traces: `judge`, `reward`, `constraints`, `tests`. */
  readonly name: string;
  /**
   * Scores one candidate. Model calls go through `callModel`/`scoreModel` with `ctx` (budget, trace);
   * `verify()` in `verify.ts` wraps this with the `score` trace node.
   */
  score(problem: Problem, candidate: VerifyCandidate, ctx: RunContext): Promise<VerifierScore>;
}
