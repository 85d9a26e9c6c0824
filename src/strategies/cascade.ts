/**
 * `cascade`: small first, large when unsure (FrugalGPT, Chen et al., 2023, arXiv:2305.05176; the
 * consistency-based routing of Yue et al., 2023, arXiv:2310.03094). The small `policy` model answers
 * with k samples; when their agreement (vote share) or confidence is below τ the question escalates to
 * the `large` backend. The Solution's `escalation` says whether it escalated and the tokens saved
 * against asking the large model alone (its `details` add the tokens each model spent), so a run's
 * escalation share and savings are sums over its solutions.
 */
import { z } from "zod";
import { isBudgetError } from "../run/budget.ts";
import { backendFor } from "../run/call-model.ts";
import { defineStrategy } from "./define-strategy.ts";
import { innerShape, samplesShape, samplingShape, strategyOptions } from "./options.ts";
import { type Candidate, evidence, sampleCandidates } from "./sample.ts";
import type { Escalation, StrategyContext } from "./types.ts";
import { candidateConfidence, recordVote, vote } from "./voting.ts";
import { addWork, candidateWork, scaleWork } from "./work.ts";

export const cascadeOptions = strategyOptions({
  ...samplesShape(4),
  ...samplingShape(0.8),
  ...innerShape,
  threshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.75)
    .describe("τ: escalate when the small model's agreement (or confidence) is below this. Default 0.75."),
  signal: z
    .enum(["agreement", "confidence"])
    .default("agreement")
    .describe(
      "What is compared with τ: `agreement` (the winner's votes over all samples, abstentions included) or `confidence` (the winner's mean token probability, or its inner strategy's confidence). Default agreement.",
    ),
  largeSamples: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe("Samples the large model votes with when escalated. Default 1."),
  largeTemperature: z
    .number()
    .min(0)
    .default(0)
    .describe("Sampling temperature of the large model. Default 0 (greedy)."),
});
export type CascadeOptions = z.input<typeof cascadeOptions>;

export interface CascadeDetails {
  escalated: boolean;
  reason: string;
  /** The small model's agreement or confidence, compared with τ. */
  level: number;
  threshold: number;
  backends: { small: string; large: string };
  /** Tokens (prompt plus completion) each model spent. */
  tokens: { small: number; large: number };
}

export const cascade = defineStrategy({
  name: "cascade",
  description: "Small model votes first; escalate to the `large` backend when agreement is below τ.",
  options: cascadeOptions,
  roles: ["large"],
  work: (o, inner) =>
    addWork(
      scaleWork(o.samples, candidateWork(o, inner)),
      scaleWork(o.largeSamples, candidateWork(o, inner)),
    ),
  async run(problem, ctx, opts) {
    const small = backendFor(ctx, "policy");
    const large = backendFor(ctx, "large");
    const sampleWith = {
      inner: opts.inner,
      innerOptions: opts.innerOptions,
      // Token probabilities only when they decide; most servers charge nothing for them, some do.
      logprobs: opts.signal === "confidence" && small.capabilities.logprobs ? 0 : undefined,
    };
    const first = await sampleCandidates(problem, ctx, {
      start: 0,
      count: opts.samples,
      sampling: opts,
      ...sampleWith,
    });
    const smallVote = tally(ctx, first, "small");
    const level = opts.signal === "agreement" ? smallVote.agreement : smallVote.confidence;
    const smallTokens = spent(first);
    const answer = (
      chosen: ReturnType<typeof tally>,
      second: Candidate[],
      escalated: boolean,
      reason: string,
    ) => {
      const largeTokens = spent(second);
      // Asking the large model alone would have cost about what the small one spent per sample, for
      // each large sample (same prompt, similar length) — or, once escalated, what it did cost.
      const perSample = smallTokens / Math.max(1, first.length);
      const largeOnly = Math.round(escalated ? largeTokens : perSample * opts.largeSamples);
      const escalation: Escalation = {
        escalated,
        largeOnlyTokens: largeOnly,
        savedTokens: Math.round(largeOnly - smallTokens - largeTokens),
      };
      const details: CascadeDetails = {
        escalated,
        reason,
        level,
        threshold: opts.threshold,
        backends: { small: small.id, large: large.id },
        tokens: { small: smallTokens, large: largeTokens },
      };
      return {
        text: chosen.text,
        key: chosen.key,
        confidence: opts.signal === "agreement" ? chosen.agreement : chosen.confidence,
        candidates: [...first, ...second].map((c) => evidence(c)),
        escalation,
        details,
      };
    };

    if (level >= opts.threshold && smallVote.key !== null) {
      const reason = `${opts.signal} ${level.toFixed(3)} >= τ ${opts.threshold}`;
      ctx.trace.record(
        "decision",
        "accept",
        { reason, facts: { level, threshold: opts.threshold } },
        ctx.parentId,
      );
      return answer(smallVote, [], false, reason);
    }
    const reason =
      smallVote.key === null
        ? "the small model gave no answer"
        : `${opts.signal} ${level.toFixed(3)} < τ ${opts.threshold}`;
    ctx.trace.record(
      "decision",
      "escalate",
      { reason, facts: { level, threshold: opts.threshold } },
      ctx.parentId,
    );
    try {
      // The same sampling, by the large backend.
      const second = await sampleCandidates(problem, ctx, {
        start: opts.samples,
        count: opts.largeSamples,
        role: "large",
        sampling: { ...opts, temperature: opts.largeTemperature },
        ...sampleWith,
        logprobs: opts.signal === "confidence" && large.capabilities.logprobs ? 0 : undefined,
      });
      return answer(tally(ctx, second, "large"), second, true, reason);
    } catch (error) {
      if (!isBudgetError(error)) throw error;
      const refused = `escalation refused by the budget: ${(error as Error).message}`;
      ctx.trace.record("decision", "keep-small", { reason: refused }, ctx.parentId);
      return answer(smallVote, [], false, refused);
    }
  },
});

/** Majority vote over candidates, recorded; confidence = the winners' mean confidence. */
function tally(ctx: StrategyContext, candidates: Candidate[], model: "small" | "large") {
  const confidences = candidates.map(candidateConfidence);
  const result = vote(candidates.map((c, i) => ({ key: c.key, confidence: confidences[i] })));
  recordVote(ctx.trace, result, ctx.parentId, { model, samples: candidates.length });
  const winners = confidences.filter((_, i) => candidates[i].key === result.winner);
  const chosen = candidates[result.winnerIndex] ?? candidates[0];
  return {
    text: chosen?.text ?? "",
    key: result.winner,
    // Unlike the vote's share, samples without an answer count against agreement: one answer out of
    // four samples is not a consensus.
    agreement: result.winner === null ? 0 : result.counts[result.winner] / Math.max(1, candidates.length),
    confidence: winners.length ? winners.reduce((a, b) => a + b, 0) / winners.length : 0,
  };
}

/** Tokens (prompt plus completion) the candidates cost. */
function spent(candidates: Candidate[]): number {
  return candidates.reduce((sum, c) => sum + c.usage.promptTokens + c.usage.completionTokens, 0);
}
