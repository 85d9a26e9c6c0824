/**
 * `dvts`: Diverse Verifier Tree Search (Beeching, Tunstall & Rush, 2024, search-and-learn). Beam
 * search with many beams collapses onto one line of reasoning when the verifier favours it; DVTS
 * splits the width N into N/B independent subtrees instead. Each subtree expands its one kept trace B
 * ways per step and keeps the verifier's favourite, so the subtrees explore different lines; the
 * answer is the best-scoring leaf over all subtrees.
 */
import { z } from "zod";
import { beamOptions, resolveStepVerifier, stepVerifierLabel } from "./beam.ts";
import { strategyOptions } from "./options.ts";
import { runStrategy } from "./run-strategy.ts";
import { settle } from "./sample.ts";
import { deriveSeed, problemKey } from "./seeds.ts";
import { stepSearch, stepSearchShape } from "./step-search.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";

export const dvtsOptions = strategyOptions({
  ...stepSearchShape,
  samples: z
    .number()
    .int()
    .min(1)
    .default(8)
    .describe("Total search width N; there are max(1, floor(N / B)) subtrees. Default 8."),
  expansions: beamOptions.shape.expansions.describe(
    "Continuations per subtree at each step (B); each subtree keeps its best one. Default 4.",
  ),
});
export type DvtsOptions = z.input<typeof dvtsOptions>;

export async function dvts(
  problem: Problem,
  ctx: StrategyContext,
  options: DvtsOptions = {},
): Promise<Solution> {
  const opts = dvtsOptions.parse(options);
  const traced = { ...opts, verifier: stepVerifierLabel(opts.verifier) };
  return runStrategy("dvts", problem, ctx, traced, async (ctx) => {
    const subtrees = Math.max(1, Math.floor(opts.samples / opts.expansions));
    const verifier = resolveStepVerifier(opts.verifier);
    const id = problemKey(problem);
    const searches = Array.from({ length: subtrees }, (_, subtree) =>
      stepSearch(
        problem,
        // Each subtree draws from its own seed stream, so no two subtrees sample alike.
        { ...ctx, seed: deriveSeed({ runSeed: ctx.seed, problemId: id, index: subtree, stream: "dvts" }) },
        {
          ...opts,
          sampling: opts,
          verifier,
          keep: 1,
          expansions: opts.expansions,
          label: { subtree },
        },
      ),
    );
    const results = await settle(searches);
    // Best leaf overall; the earlier subtree on ties, so the choice is deterministic.
    const best = results.reduce((a, b) => (b.value.best.score > a.value.best.score ? b : a));
    ctx.trace.record(
      "decision",
      "select",
      {
        reason: "best-scoring leaf over all subtrees",
        subtree: best.index,
        score: best.value.best.score,
        scores: results.map(({ index, value }) => ({ subtree: index, score: value.best.score })),
      },
      ctx.parentId,
    );
    return {
      text: best.value.best.text,
      confidence: best.value.best.score,
      data: {
        subtrees,
        completed: results.length,
        finished: best.value.best.finished,
        depth: Math.max(...results.map(({ value }) => value.depth)),
      },
    };
  });
}
