/**
 * `beam`: step-level beam search guided by a process verifier (search-and-learn's beam search; Snell
 * et al., 2024, arXiv:2408.03314). Keep B partial traces; at each step sample K continuations of
 * each up to the next step break, score every partial trace with the step verifier, keep the top B;
 * stop once B traces are finished or the depth runs out, and answer with the best-scoring finished
 * trace. Expand and prune decisions are recorded per step (see `step-search.ts`).
 */
import { z } from "zod";
import { resolveVerifier } from "../verifiers/index.ts";
import { strategyOptions } from "./options.ts";
import { runStrategy } from "./run-strategy.ts";
import { stepJudge } from "./step-judge.ts";
import { stepSearch, stepSearchShape } from "./step-search.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";

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
});
export type BeamOptions = z.input<typeof beamOptions>;

export async function beam(
  problem: Problem,
  ctx: StrategyContext,
  options: BeamOptions = {},
): Promise<Solution> {
  const opts = beamOptions.parse(options);
  return runStrategy(
    "beam",
    problem,
    ctx,
    { ...opts, verifier: stepVerifierLabel(opts.verifier) },
    async (ctx) => {
      const result = await stepSearch(problem, ctx, {
        ...opts,
        sampling: opts,
        verifier: resolveStepVerifier(opts.verifier),
        keep: opts.beamWidth,
        expansions: opts.expansions,
      });
      return {
        text: result.best.text,
        confidence: result.best.score,
        data: {
          depth: result.depth,
          leaves: result.leaves.length,
          finished: result.best.finished,
          stopped: result.stopped,
        },
      };
    },
  );
}

type StepVerifierOption = z.output<typeof beamOptions>["verifier"];

/** The step verifier an option names. */
export function resolveStepVerifier(option: StepVerifierOption) {
  return option === "step-judge" ? stepJudge() : resolveVerifier(option);
}

/** The verifier as traced: its name, never a function. */
export function stepVerifierLabel(option: StepVerifierOption): string {
  return typeof option === "string" ? option : option.name;
}
