/**
 * `self-consistency` (Wang et al., 2022, arXiv:2203.11171): sample N reasoning paths and answer with
 * the majority on grading's answer key. Samples come in batches that run in parallel; between
 * batches an adaptive stopping rule (Adaptive-Consistency's Beta rule, ESC's window) may end early.
 */
import { z } from "zod";
import { isBudgetError } from "./budget.ts";
import { backendFor } from "./call-model.ts";
import { innerShape, samplesShape, samplingShape, strategyOptions } from "./options.ts";
import { runStrategy } from "./run-strategy.ts";
import { type Candidate, sampleCandidates } from "./sample.ts";
import { type StoppingRule, shouldStop, stoppingSchema } from "./stopping.ts";
import { meanProbability } from "./trace-confidence.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";
import { recordVote, vote } from "./voting.ts";

export const selfConsistencyOptions = strategyOptions({
  ...samplesShape(8),
  ...samplingShape(0.8),
  ...innerShape,
  stopping: stoppingSchema.default({ rule: "none" }),
  weighting: z
    .enum(["none", "confidence"])
    .default("none")
    .describe(
      "Vote weights: `none` (one sample, one vote) or `confidence` (each vote weighs its sample's mean token probability, or the inner strategy's confidence; CISC, Taubenfeld et al., 2025).",
    ),
  batchSize: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      "Samples per parallel batch; the stopping rule is checked between batches. Default: all at once without a stopping rule, else 4 (ESC: its window).",
    ),
});
export type SelfConsistencyOptions = z.input<typeof selfConsistencyOptions>;

const DEFAULT_ADAPTIVE_BATCH = 4;

export async function selfConsistency(
  problem: Problem,
  ctx: StrategyContext,
  options: SelfConsistencyOptions = {},
): Promise<Solution> {
  const opts = selfConsistencyOptions.parse(options);
  return runStrategy("self-consistency", problem, ctx, opts, async (ctx) => {
    const batchSize = opts.batchSize ?? defaultBatch(opts.stopping, opts.samples);
    const logprobs = backendFor(ctx, "policy").capabilities.logprobs ? 0 : undefined;
    const candidates: Candidate[] = [];
    let stopped = "all samples drawn";
    while (candidates.length < opts.samples) {
      const count = Math.min(batchSize, opts.samples - candidates.length);
      try {
        const batch = await sampleCandidates(problem, ctx, {
          start: candidates.length,
          count,
          sampling: opts,
          inner: opts.inner,
          innerOptions: opts.innerOptions,
          // Chosen-token logprobs only: cheap, and they break ties between equally voted answers.
          logprobs,
        });
        candidates.push(...batch);
        if (batch.length === 0) {
          stopped = "a batch returned no usable sample";
          break;
        }
      } catch (error) {
        if (!isBudgetError(error) || candidates.length === 0) throw error;
        stopped = `budget: ${(error as Error).message}`;
        ctx.trace.record("decision", "stop", { reason: stopped, samples: candidates.length }, ctx.parentId);
        break;
      }
      if (candidates.length >= opts.samples) break;
      const decision = shouldStop(
        opts.stopping,
        candidates.map((c) => c.key),
      );
      ctx.trace.record(
        "decision",
        decision.stop ? "stop" : "continue",
        { ...decision, rule: opts.stopping.rule, samples: candidates.length },
        ctx.parentId,
      );
      if (decision.stop) {
        stopped = decision.reason;
        break;
      }
    }
    const result = vote(
      candidates.map((c) => {
        const confidence = candidateConfidence(c);
        return { key: c.key, confidence, weight: opts.weighting === "confidence" ? confidence : 1 };
      }),
    );
    recordVote(ctx.trace, result, ctx.parentId, { samples: candidates.length });
    const chosen = candidates[result.winnerIndex] ?? candidates[0];
    return {
      text: chosen?.text ?? "",
      key: result.winner,
      confidence: result.share,
      data: { samples: candidates.length, stopped },
    };
  });
}

/** An inner strategy's confidence, else the sample's mean token probability (0.5 without logprobs). */
function candidateConfidence(candidate: Candidate): number {
  if (candidate.solution) return candidate.solution.confidence;
  return candidate.completion ? meanProbability([candidate.completion]) : 0.5;
}

function defaultBatch(stopping: StoppingRule, samples: number): number {
  if (stopping.rule === "none") return samples;
  if (stopping.rule === "esc") return stopping.window ?? DEFAULT_ADAPTIVE_BATCH;
  return DEFAULT_ADAPTIVE_BATCH;
}
