/**
 * `best-of-n`: sample N candidates, score each with a verifier, answer with the best-scoring one
 * (search-and-learn's best-of-N; Cobbe et al., 2021). `weighted-best-of-n` in its own file sums the
 * scores per answer instead.
 */
import { z } from "zod";
import { isBudgetError } from "../run/budget.ts";
import type { Problem } from "../run/types.ts";
import { resolveVerifier, verifierLabel, verifierSchema } from "../verifiers/index.ts";
import { aggregationSchema } from "../verifiers/step-scorers/index.ts";
import { verify } from "../verifiers/verify.ts";
import { defineStrategy } from "./define-strategy.ts";
import { innerShape, samplesShape, samplingShape, strategyOptions } from "./options.ts";
import { type Candidate, evidence, sampleCandidates, settle } from "./sample.ts";
import type { SolutionCandidate, StrategyContext } from "./types.ts";
import { addWork, candidateWork, type InnerWork, scaleWork, VERIFY } from "./work.ts";

export const bestOfNOptions = strategyOptions({
  ...samplesShape(4),
  ...samplingShape(0.8),
  ...innerShape,
  verifier: verifierSchema.default("judge"),
  aggregation: aggregationSchema.optional(),
  stepBreak: z
    .string()
    .min(1)
    .optional()
    .describe('Where a step scorer (`verifier: "prm"`) cuts candidates into steps. Default "\\n\\n".'),
});
export type BestOfNOptions = z.input<typeof bestOfNOptions>;

export interface ScoredCandidate extends Candidate {
  score: number;
}

export interface BestOfNDetails {
  /** Candidates sampled and scored. */
  samples: number;
  /** The verifier's name. */
  verifier: string;
  /** False when the budget left nothing to score with: every candidate then scored 0. */
  scored: boolean;
}

/**
 * Samples and scores candidates: the shared first half of best-of-N and its weighted form. Each score
 * stays on its own candidate (by the candidate's sample index), whichever samples failed.
 */
export async function scoredCandidates(
  problem: Problem,
  ctx: StrategyContext,
  opts: z.output<typeof bestOfNOptions>,
): Promise<{ candidates: ScoredCandidate[]; scored: boolean }> {
  const candidates = await sampleCandidates(problem, ctx, {
    start: 0,
    count: opts.samples,
    sampling: opts,
    inner: opts.inner,
    innerOptions: opts.innerOptions,
  });
  const verifier = resolveVerifier(opts.verifier, opts);
  try {
    const scores = await settle(candidates.map((c) => verify(verifier, problem, c, ctx)));
    return {
      candidates: scores.map(({ index, value }) => ({ ...candidates[index], score: value.score })),
      scored: true,
    };
  } catch (error) {
    if (!isBudgetError(error) || candidates.length === 0) throw error;
    // No score fits the budget: every candidate is equally (un)verified.
    ctx.trace.record("decision", "unscored", { reason: (error as Error).message }, ctx.parentId);
    return { candidates: candidates.map((c) => ({ ...c, score: 0 })), scored: false };
  }
}

/** The evidence both forms return: every candidate with its score, and the details. */
export function scoredEvidence(
  sampled: { candidates: ScoredCandidate[]; scored: boolean },
  opts: z.output<typeof bestOfNOptions>,
): { candidates: SolutionCandidate[]; details: BestOfNDetails } {
  return {
    candidates: sampled.candidates.map((c) => evidence(c, c.score)),
    details: {
      samples: sampled.candidates.length,
      verifier: verifierLabel(opts.verifier),
      scored: sampled.scored,
    },
  };
}

/** N candidates (or inner runs), each scored once. */
export const bestOfNWork = (o: z.output<typeof bestOfNOptions>, inner: InnerWork) =>
  scaleWork(o.samples, addWork(candidateWork(o, inner), VERIFY));

export const bestOfN = defineStrategy({
  name: "best-of-n",
  description: "Sample N candidates, score each with a verifier, answer with the best one.",
  options: bestOfNOptions,
  work: bestOfNWork,
  async run(problem, ctx, opts) {
    const sampled = await scoredCandidates(problem, ctx, opts);
    const { candidates } = sampled;
    // Highest score; the earlier sample on ties, so the choice is deterministic.
    const best = candidates.reduce((a, b) => (b.score > a.score ? b : a));
    ctx.trace.record(
      "decision",
      "select",
      { reason: "highest verifier score", facts: { index: best.index, score: best.score } },
      ctx.parentId,
    );
    return {
      text: best.text,
      key: best.key,
      confidence: best.score,
      ...scoredEvidence(sampled, opts),
    };
  },
});
