/**
 * `confidence-vote`: DeepConf (Fu et al., 2025, arXiv:2508.15260). Each trace gets a confidence from
 * its token logprobs; the least confident share is dropped and the rest vote, weighted by confidence.
 * Online mode calibrates a threshold on warm-up traces, then streams the remaining traces and aborts
 * any whose rolling group confidence falls below it, saving their remaining tokens.
 */
import { z } from "zod";
import { isBudgetError } from "../run/budget.ts";
import { backendFor, callModel } from "../run/call-model.ts";
import { buildMessages } from "../run/prompts.ts";
import { deriveSeed, problemKey } from "../run/seeds.ts";
import type { Problem } from "../run/types.ts";
import { defineStrategy } from "./define-strategy.ts";
import { samplesShape, samplingShape, strategyOptions } from "./options.ts";
import { type Candidate, evidence, fromCompletion, sampleCandidates, settle } from "./sample.ts";
import { quantile, RollingConfidence, traceConfidence } from "./trace-confidence.ts";
import type { StrategyContext } from "./types.ts";
import { recordVote, vote } from "./voting.ts";
import { completions } from "./work.ts";

export const confidenceVoteOptions = strategyOptions({
  ...samplesShape(16),
  ...samplingShape(0.8),
  measure: z
    .enum(["lowest-group", "mean", "tail"])
    .default("lowest-group")
    .describe("Trace confidence: weakest sliding window (default), mean over tokens, or the last window."),
  groupSize: z
    .number()
    .int()
    .min(1)
    .default(32)
    .describe("Sliding-window length in tokens. Default 32 (the paper's 2048 suits long traces)."),
  topLogprobs: z.number().int().min(1).default(5).describe("Alternatives per token (k). Default 5."),
  keep: z
    .number()
    .gt(0)
    .max(1)
    .default(0.9)
    .describe(
      "Share of traces kept for voting, most confident first. 0.9 = DeepConf-high, 0.1 = DeepConf-low.",
    ),
  online: z
    .boolean()
    .default(false)
    .describe(
      "Calibrate on warm-up traces, then stop traces whose rolling confidence falls below the threshold.",
    ),
  warmup: z.number().int().min(1).default(4).describe("Warm-up traces for the online threshold. Default 4."),
});
export type ConfidenceVoteOptions = z.input<typeof confidenceVoteOptions>;
type Opts = z.output<typeof confidenceVoteOptions>;

interface ScoredTrace extends Candidate {
  confidence: number;
}

export interface ConfidenceVoteDetails {
  /** Traces sampled to the end (terminated ones excluded). */
  traces: number;
  /** Traces that voted after the confidence filter. */
  kept: number;
  /** Online mode: traces stopped early for low confidence. */
  terminated: number;
  /** Whether the backend gave logprobs (without them the vote is a plain majority). */
  logprobs: boolean;
}

export const confidenceVote = defineStrategy({
  name: "confidence-vote",
  description: "DeepConf: drop low-confidence traces (token logprobs) and vote weighted by confidence.",
  options: confidenceVoteOptions,
  // Warm-up and online traces together are `samples`.
  work: (o) => completions(o.samples, o.maxTokens),
  async run(problem, ctx, opts) {
    const backend = backendFor(ctx, "policy");
    const logprobs = backend.capabilities.logprobs
      ? Math.min(opts.topLogprobs, backend.capabilities.maxTopLogprobs)
      : undefined;
    if (logprobs === undefined) {
      ctx.trace.record(
        "decision",
        "no-logprobs",
        { reason: `backend \`${backend.id}\` returns no logprobs: plain majority vote` },
        ctx.parentId,
      );
    }
    const score = (c: Candidate): ScoredTrace => ({
      ...c,
      confidence: traceConfidence(c.completion?.logprobs ?? [], opts.measure, opts.groupSize),
    });
    const online = opts.online && logprobs !== undefined && opts.warmup < opts.samples;
    const first = await sampleCandidates(problem, ctx, {
      start: 0,
      count: online ? opts.warmup : opts.samples,
      sampling: opts,
      logprobs,
    });
    const traces = first.map(score);
    let terminated = 0;
    if (online) {
      const threshold = quantile(
        traces.map((t) => t.confidence),
        1 - opts.keep,
      );
      ctx.trace.record(
        "decision",
        "threshold",
        { reason: "the warm-up traces' confidence quantile", facts: { threshold, warmup: traces.length } },
        ctx.parentId,
      );
      const rest = await streamWithCutoff(problem, ctx, opts, logprobs, threshold);
      terminated = rest.terminated;
      traces.push(...rest.traces.map(score));
    }

    // Offline filter: keep the most confident share (at least one trace).
    const ranked = [...traces].sort((a, b) => b.confidence - a.confidence);
    const kept =
      logprobs === undefined ? ranked : ranked.slice(0, Math.max(1, Math.ceil(ranked.length * opts.keep)));
    const result = vote(
      kept.map((t) => ({
        key: t.key,
        weight: logprobs === undefined ? 1 : t.confidence,
        confidence: t.confidence,
      })),
    );
    recordVote(ctx.trace, result, ctx.parentId, { name: "confidence-weighted", samples: kept.length });
    const chosen = kept[result.winnerIndex] ?? kept[0];
    // Every finished trace is a candidate, in sample order, whether the filter kept it or not.
    const candidates = [...traces].sort((a, b) => a.index - b.index);
    return {
      text: chosen?.text ?? "",
      key: result.winner,
      confidence: result.share,
      candidates: candidates.map((t) => evidence(t)),
      details: {
        traces: traces.length,
        kept: kept.length,
        terminated,
        logprobs: logprobs !== undefined,
      } satisfies ConfidenceVoteDetails,
    };
  },
});

/**
 * Streams the traces after warm-up in parallel, one call each so each can be aborted alone; a trace
 * whose rolling group confidence drops below `threshold` is stopped and left out of the vote.
 */
async function streamWithCutoff(
  problem: Problem,
  ctx: StrategyContext,
  opts: Opts,
  logprobs: number,
  threshold: number,
): Promise<{ traces: Candidate[]; terminated: number }> {
  const id = problemKey(problem);
  const messages = buildMessages(problem);
  let terminated = 0;
  const runs = Array.from({ length: opts.samples - opts.warmup }, async (_, i) => {
    const index = opts.warmup + i;
    const rolling = new RollingConfidence(opts.groupSize);
    let cut = false;
    const { completions } = await callModel(ctx, {
      request: {
        messages,
        temperature: opts.temperature,
        topP: opts.topP,
        maxTokens: opts.maxTokens,
        logprobs,
        seed: deriveSeed({ runSeed: ctx.seed, problemId: id, index }),
      },
      sample: index,
      tags: { phase: "online" },
      onDelta: (event, stop) => {
        for (const token of event.logprobs ?? []) rolling.push(token);
        const current = rolling.current();
        if (!cut && current !== undefined && current < threshold) {
          cut = true;
          stop();
          ctx.trace.record(
            "decision",
            "terminate",
            { facts: { sample: index, tokens: rolling.count, confidence: current, threshold } },
            ctx.parentId,
          );
        }
      },
    });
    if (cut) terminated++;
    const completion = completions[0];
    if (cut || !completion || completion.finishReason === "error" || completion.finishReason === "abort")
      return [];
    return [fromCompletion(problem, index, "policy", completion)];
  });
  try {
    const settled = await settle(runs);
    return { traces: settled.flatMap(({ value }) => value), terminated };
  } catch (error) {
    // Every streamed trace refused by the budget: vote with the warm-up traces alone.
    if (isBudgetError(error)) return { traces: [], terminated };
    throw error;
  }
}
