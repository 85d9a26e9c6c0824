/**
 * `dvts`: Diverse Verifier Tree Search (Beeching, Tunstall & Rush, 2024, search-and-learn). Beam
 * search with many beams collapses onto one line of reasoning when the verifier favours it; DVTS
 * splits the width N into N/B independent subtrees instead. Each subtree expands its one kept trace B
 * ways per step and keeps the verifier's favourite, so the subtrees explore different lines; the
 * answer is the best-scoring leaf over all subtrees.
 */
import { z } from "zod";
import { deriveSeed, problemKey } from "../run/seeds.ts";
import { verifierLabel } from "../verifiers/index.ts";
import { beamOptions, resolveStepVerifier, type StepSearchDetails } from "./beam.ts";
import { defineStrategy } from "./define-strategy.ts";
import { strategyOptions } from "./options.ts";
import { settle } from "./sample.ts";
import { stepSearch, stepSearchShape, stepSearchWork, traceCandidates } from "./step-search.ts";
import { scaleWork } from "./work.ts";

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
  aggregation: beamOptions.shape.aggregation,
});
export type DvtsOptions = z.input<typeof dvtsOptions>;

export interface DvtsDetails extends StepSearchDetails {
  subtrees: number;
  /** Subtrees that returned a trace. */
  completed: number;
}

export const dvts = defineStrategy({
  name: "dvts",
  description: "Diverse Verifier Tree Search: N/B independent step-search subtrees, best leaf overall.",
  options: dvtsOptions,
  work: (o) =>
    scaleWork(
      Math.max(1, Math.floor(o.samples / o.expansions)),
      stepSearchWork({ ...o, keep: 1, expansions: o.expansions }),
    ),
  async run(problem, ctx, opts) {
    const subtrees = Math.max(1, Math.floor(opts.samples / opts.expansions));
    const verifier = resolveStepVerifier(opts.verifier, opts);
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
        facts: {
          subtree: best.index,
          score: best.value.best.score,
          scores: results.map(({ index, value }) => ({ subtree: index, score: value.best.score })),
        },
      },
      ctx.parentId,
    );
    return {
      text: best.value.best.text,
      confidence: best.value.best.score,
      // Each subtree's chosen trace: the leaves DVTS picked its answer from.
      candidates: traceCandidates(
        problem,
        results.map(({ value }) => value.best),
      ),
      details: {
        verifier: verifierLabel(opts.verifier),
        subtrees,
        completed: results.length,
        finished: best.value.best.finished,
        depth: Math.max(...results.map(({ value }) => value.depth)),
        stopped: results.map(({ value }) => value.stopped).join("; "),
      } satisfies DvtsDetails,
    };
  },
});
