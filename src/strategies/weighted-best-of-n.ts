/**
 * `weighted-best-of-n` (search-and-learn's weighted best-of-N; Li et al., 2023): sample N candidates,
 * score each with a verifier, and sum the scores per canonical answer. An answer many candidates reach
 * with middling scores beats one lucky high score.
 */
import { bestOfNOptions, bestOfNWork, scoredCandidates, scoredEvidence } from "./best-of-n.ts";
import { defineStrategy } from "./define-strategy.ts";
import { recordVote, vote } from "./voting.ts";

export const weightedBestOfN = defineStrategy({
  name: "weighted-best-of-n",
  description: "Sample N candidates, sum verifier scores per answer, answer with the heaviest.",
  options: bestOfNOptions,
  work: bestOfNWork,
  async run(problem, ctx, opts) {
    const sampled = await scoredCandidates(problem, ctx, opts);
    const { candidates } = sampled;
    const result = vote(candidates.map((c) => ({ key: c.key, weight: c.score, confidence: c.score })));
    recordVote(ctx.trace, result, ctx.parentId, { name: "weighted", samples: candidates.length });
    const chosen = candidates[result.winnerIndex] ?? candidates.reduce((a, b) => (b.score > a.score ? b : a));
    return {
      text: chosen.text,
      key: result.winner,
      confidence: result.share,
      ...scoredEvidence(sampled, opts),
    };
  },
});
