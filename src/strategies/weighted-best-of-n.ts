/**
 * `weighted-best-of-n` (search-and-learn's weighted best-of-N; Li et al., 2023): sample N candidates,
 * score each with a verifier, and sum the scores per canonical answer. An answer many candidates reach
 * with middling scores beats one lucky high score.
 */
import { type BestOfNOptions, bestOfNOptions, scoredCandidates, verifierLabel } from "./best-of-n.ts";
import { runStrategy } from "./run-strategy.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";
import { recordVote, vote } from "./voting.ts";

export const weightedBestOfNOptions = bestOfNOptions;
export type WeightedBestOfNOptions = BestOfNOptions;

export async function weightedBestOfN(
  problem: Problem,
  ctx: StrategyContext,
  options: WeightedBestOfNOptions = {},
): Promise<Solution> {
  const opts = weightedBestOfNOptions.parse(options);
  const traced = { ...opts, verifier: verifierLabel(opts.verifier) };
  return runStrategy("weighted-best-of-n", problem, ctx, traced, async (ctx) => {
    const scored = await scoredCandidates(problem, ctx, opts);
    const result = vote(scored.map((c) => ({ key: c.key, weight: c.score, confidence: c.score })));
    recordVote(ctx.trace, result, ctx.parentId, { name: "weighted", scores: scored.map((c) => c.score) });
    const chosen = scored[result.winnerIndex] ?? scored.reduce((a, b) => (b.score > a.score ? b : a));
    return {
      text: chosen.text,
      key: result.winner,
      confidence: result.share,
      data: { samples: scored.length },
    };
  });
}
