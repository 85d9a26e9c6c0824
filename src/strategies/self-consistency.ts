/**
 * `self-consistency` (Wang et al., 2022, arXiv:2203.11171): sample N reasoning paths and answer with
 * the majority on grading's answer key. Samples come in batches that run in parallel; between
 * batches an adaptive stopping rule (Adaptive-Consistency's Beta rule, ESC's window) may end early.
 */
import { z } from "zod";
import { isBudgetError } from "../run/budget.ts";
import { backendFor } from "../run/call-model.ts";
import { defineStrategy } from "./define-strategy.ts";
import { innerShape, samplesShape, samplingShape, strategyOptions } from "./options.ts";
import { type Candidate, evidence, sampleCandidates } from "./sample.ts";
import { DEFAULT_WINDOW, type StoppingRule, shouldStop, stoppingSchema } from "./stopping.ts";
import { candidateConfidence, recordVote, vote } from "./voting.ts";
import { candidateWork, scaleWork } from "./work.ts";

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

export interface SelfConsistencyDetails {
  /** Candidates drawn (fewer than asked when a stopping rule or the budget ended sampling). */
  samples: number;
  /** Why sampling ended. */
  stopped: string;
}

export const selfConsistency = defineStrategy({
  name: "self-consistency",
  description:
    "Sample N reasoning paths in parallel batches and take the majority answer; adaptive stopping.",
  options: selfConsistencyOptions,
  work: (o, inner) => scaleWork(o.samples, candidateWork(o, inner)),
  async run(problem, ctx, opts) {
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
        ctx.trace.record(
          "decision",
          "stop",
          { reason: stopped, facts: { samples: candidates.length } },
          ctx.parentId,
        );
        break;
      }
      if (candidates.length >= opts.samples) break;
      const decision = shouldStop(
        opts.stopping,
        candidates.map((c) => c.key),
      );
      const { reason, ...facts } = decision;
      ctx.trace.record(
        "decision",
        decision.stop ? "stop" : "continue",
        { reason, facts: { ...facts, rule: opts.stopping.rule, samples: candidates.length } },
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
      candidates: candidates.map((c) => evidence(c)),
      details: { samples: candidates.length, stopped } satisfies SelfConsistencyDetails,
    };
  },
});

function defaultBatch(stopping: StoppingRule, samples: number): number {
  if (stopping.rule === "none") return samples;
  if (stopping.rule === "esc") return stopping.window ?? DEFAULT_WINDOW;
  return DEFAULT_WINDOW;
}
