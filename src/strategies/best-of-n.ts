/**
 * `best-of-n`: sample N candidates, score each with a verifier, answer with the best-scoring one
 * (search-and-learn's best-of-N; Cobbe et al., 2021). `weighted-best-of-n` in its own file sums the
 * scores per answer instead.
 */
import type { z } from "zod";
import { resolveVerifier, verifierSchema } from "../verifiers/index.ts";
import { verify } from "../verifiers/verify.ts";
import { isBudgetError } from "./budget.ts";
import { innerShape, samplesShape, samplingShape, strategyOptions } from "./options.ts";
import { runStrategy } from "./run-strategy.ts";
import { type Candidate, sampleCandidates, settle } from "./sample.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";

export const bestOfNOptions = strategyOptions({
  ...samplesShape(4),
  ...samplingShape(0.8),
  ...innerShape,
  verifier: verifierSchema.default("judge"),
});
export type BestOfNOptions = z.input<typeof bestOfNOptions>;

export interface ScoredCandidate extends Candidate {
  score: number;
}

/** Samples and scores candidates: the shared first half of best-of-N and its weighted form. */
export async function scoredCandidates(
  problem: Problem,
  ctx: StrategyContext,
  opts: z.output<typeof bestOfNOptions>,
): Promise<ScoredCandidate[]> {
  const candidates = await sampleCandidates(problem, ctx, {
    start: 0,
    count: opts.samples,
    sampling: opts,
    inner: opts.inner,
    innerOptions: opts.innerOptions,
  });
  const verifier = resolveVerifier(opts.verifier);
  try {
    const scores = await settle(candidates.map((c) => verify(verifier, problem, c, ctx)));
    return scores.map(({ index, value }) => ({ ...candidates[index], score: value.score }));
  } catch (error) {
    if (!isBudgetError(error) || candidates.length === 0) throw error;
    // No score fits the budget: every candidate is equally (un)verified.
    ctx.trace.record("decision", "unscored", { reason: (error as Error).message }, ctx.parentId);
    return candidates.map((c) => ({ ...c, score: 0 }));
  }
}

export async function bestOfN(
  problem: Problem,
  ctx: StrategyContext,
  options: BestOfNOptions = {},
): Promise<Solution> {
  const opts = bestOfNOptions.parse(options);
  return runStrategy(
    "best-of-n",
    problem,
    ctx,
    { ...opts, verifier: verifierLabel(opts.verifier) },
    async (ctx) => {
      const scored = await scoredCandidates(problem, ctx, opts);
      // Highest score; the earlier sample on ties, so the choice is deterministic.
      const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
      ctx.trace.record(
        "decision",
        "select",
        {
          reason: "highest verifier score",
          index: best.index,
          score: best.score,
          scores: scored.map((c) => c.score),
        },
        ctx.parentId,
      );
      return { text: best.text, key: best.key, confidence: best.score, data: { samples: scored.length } };
    },
  );
}

/** The verifier as traced: its name, never a function. */
export function verifierLabel(verifier: z.output<typeof bestOfNOptions>["verifier"]): string {
  return typeof verifier === "string" ? verifier : verifier.name;
}
