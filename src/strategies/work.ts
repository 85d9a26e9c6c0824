/**
 * The most model work one run of a strategy can ask for, known from its parsed options before it
 * runs: how many completions it samples and how many tokens they may hold. Each strategy declares
 * its bound beside its algorithm (`defineStrategy({ work })`), counted from its own loops; stopping
 * rules, budgets and early acceptance only lower the real work. The server refuses a request whose
 * bound is over its limits before anything runs.
 */

/** An upper bound on the model work of a request or of one strategy run. */
export interface Work {
  /** Completions sampled (each a sequence in a llama.cpp context, or a sample upstream). */
  completions: number;
  /** Completion tokens asked for: the sum over those completions of their `maxTokens`. */
  tokens: number;
}

/** The bound of one run of an inner strategy (composition), by name and unparsed options. */
export type InnerWork = (name: string, options: Record<string, unknown> | undefined) => Work;

export const NO_WORK: Work = { completions: 0, tokens: 0 };

export function addWork(...parts: Work[]): Work {
  return parts.reduce(
    (sum, part) => ({
      completions: sum.completions + part.completions,
      tokens: sum.tokens + part.tokens,
    }),
    NO_WORK,
  );
}

export function scaleWork(times: number, work: Work): Work {
  return { completions: times * work.completions, tokens: times * work.tokens };
}

/** `count` completions of at most `maxTokens` tokens each. */
export function completions(count: number, maxTokens: number): Work {
  return { completions: count, tokens: count * maxTokens };
}

/**
 * One verifier score: at most one completion of one token (`judge`, `self-judge`, the step judge),
 * a scoring pass (`reward`), or no model call at all (`tests`, `has-answer`).
 */
export const VERIFY = completions(1, 1);

/** One candidate of a voting strategy: a plain completion, or a run of its inner strategy. */
export function candidateWork(
  options: { maxTokens: number; inner?: string; innerOptions?: Record<string, unknown> },
  inner: InnerWork,
): Work {
  return options.inner ? inner(options.inner, options.innerOptions) : completions(1, options.maxTokens);
}
