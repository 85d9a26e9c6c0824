/**
 * `beam`: step-level beam search guided by a process verifier (search-and-learn's beam search; Snell
 * et al., 2024, arXiv:2408.03314). Keep B partial traces; at each step sample K continuations of
 * each up to the next step break, score every partial trace with the step verifier, keep the top B;
 * stop once B traces are finished or the depth runs out, and answer with the best-scoring finished
 * trace. Expand and prune decisions are recorded per step (see `step-search.ts`).
 */
import { z } from "zod";
import { type ResolveVerifierOptions, resolveVerifier, verifierLabel } from "../verifiers/index.ts";
import { stepJudge } from "../verifiers/step-judge.ts";
import { aggregationSchema } from "../verifiers/step-scorers/index.ts";
import { defineStrategy } from "./define-strategy.ts";
import { strategyOptions } from "./options.ts";
import { stepSearch, stepSearchShape, stepSearchWork, traceCandidates } from "./step-search.ts";

export const beamOptions = strategyOptions({
  ...stepSearchShape,
  beamWidth: z
    .number()
    .int()
    .min(1)
    .default(4)
    .describe("Partial traces kept after each step (B). Default 4."),
  expansions: z
    .number()
    .int()
    .min(1)
    .default(4)
    .describe(
      "Continuations sampled per kept trace at each step (K); the first step samples B*K. Default 4.",
    ),
  aggregation: aggregationSchema
    .optional()
    .describe(
      "How a step scorer's (`verifier: prm`, `rollout`, …) per-step scores become one: last (default), min, product or mean. With `step-judge`: judge every prefix instead of the whole trace once.",
    ),
});
export type BeamOptions = z.input<typeof beamOptions>;

export interface StepSearchDetails {
  /** The step verifier's name. */
  verifier: string;
  /** Deepest step reached. */
  depth: number;
  /** Whether the chosen trace finished (wrote its answer or ended). */
  finished: boolean;
  stopped: string;
}

export const beam = defineStrategy({
  name: "beam",
  description: "Step-level beam search: K continuations per kept trace, a step verifier keeps the top B.",
  options: beamOptions,
  work: (o) => stepSearchWork({ ...o, keep: o.beamWidth, expansions: o.expansions }),
  async run(problem, ctx, opts) {
    const result = await stepSearch(problem, ctx, {
      ...opts,
      sampling: opts,
      verifier: resolveStepVerifier(opts.verifier, opts),
      keep: opts.beamWidth,
      expansions: opts.expansions,
    });
    return {
      text: result.best.text,
      confidence: result.best.score,
      candidates: traceCandidates(problem, result.leaves),
      details: {
        verifier: verifierLabel(opts.verifier),
        depth: result.depth,
        finished: result.best.finished,
        stopped: result.stopped,
      } satisfies StepSearchDetails,
    };
  },
});

type StepVerifierOption = z.output<typeof beamOptions>["verifier"];

/**
 * The step verifier an option names. `step-judge` alone judges the whole trace once; with an
 * `aggregation` it is the step scorer judging every prefix.
 */
export function resolveStepVerifier(option: StepVerifierOption, options: ResolveVerifierOptions = {}) {
  return option === "step-judge" && options.aggregation === undefined
    ? stepJudge()
    : resolveVerifier(option, options);
}
