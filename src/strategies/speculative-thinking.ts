/**
 * `speculative-thinking` (Yang et al., 2025, "Speculative Thinking: Enhancing Small-Model Reasoning
 * with Large Model Guidance at Inference Time", arXiv:2504.12329). The small `policy` model reasons;
 * reflection points (a step break followed by "Wait", "Hmm", "Alternatively", …) are where small
 * models go astray, so there the `large` model writes the next step, and the small model carries on
 * from it. The small model's output is streamed and stopped at a reflection cue; both models continue
 * the same reply through prefill (`assistantPrefix`). Every handover is a `decision` node.
 */
import { z } from "zod";
import type { Completion, GenerateRequest, ModelBackend } from "../models/types.ts";
import { readAnswer } from "../run/answers.ts";
import { isBudgetError } from "../run/budget.ts";
import { backendFor, callModel } from "../run/call-model.ts";
import { buildMessages, taskKind } from "../run/prompts.ts";
import { deriveSeed, problemKey } from "../run/seeds.ts";
import { defineStrategy } from "./define-strategy.ts";
import { samplingShape, strategyOptions } from "./options.ts";
import { findCue } from "./reflection-cue.ts";
import { ANSWER_MARKERS, requirePrefill } from "./step-search.ts";
import { meanProbability } from "./trace-confidence.ts";
import type { StrategyContext } from "./types.ts";
import { addWork, completions } from "./work.ts";

export const speculativeThinkingOptions = strategyOptions({
  ...samplingShape(0.6),
  maxTokens: samplingShape(0.6).maxTokens.describe(
    "Most tokens the small model writes over all its segments. Default 1024 (the budget may cap it further).",
  ),
  cues: z
    .array(z.string().min(1))
    .min(1)
    .default(["Wait", "Hmm", "Alternatively", "But", "However"])
    .describe(
      'Words that, opening a step, mark a reflection point where the large model takes over. Default "Wait", "Hmm", "Alternatively", "But", "However".',
    ),
  stepBreak: z.string().min(1).default("\n\n").describe('What ends a step. Default "\\n\\n".'),
  largeTokens: z
    .number()
    .int()
    .positive()
    .default(128)
    .describe("Most tokens the large model writes per handover (one step). Default 128."),
  maxHandovers: z
    .number()
    .int()
    .min(0)
    .default(8)
    .describe("Most handovers to the large model; after that the small model finishes alone. Default 8."),
});
export type SpeculativeThinkingOptions = z.input<typeof speculativeThinkingOptions>;

export interface SpeculativeThinkingDetails {
  handovers: number;
  /** Completion tokens each model wrote. */
  smallTokens: number;
  largeTokens: number;
  /** Segments the small model wrote between handovers. */
  segments: number;
}

export const speculativeThinking = defineStrategy({
  name: "speculative-thinking",
  description:
    'The small model reasons; at reflection points ("Wait", "Hmm"…) the large model writes the step.',
  options: speculativeThinkingOptions,
  roles: ["large"],
  // Each small segment asks for what is left of `maxTokens`; a segment ends at each handover.
  work: (o) =>
    addWork(completions(o.maxHandovers + 1, o.maxTokens), completions(o.maxHandovers, o.largeTokens)),
  async run(problem, ctx, opts) {
    const small = backendFor(ctx, "policy");
    const large = backendFor(ctx, "large");
    for (const role of ["policy", "large"] as const) {
      requirePrefill(ctx, role, "speculative thinking hands one reply back and forth");
    }
    const messages = buildMessages(problem);
    const id = problemKey(problem);
    const marker = ANSWER_MARKERS[taskKind(problem)];
    const sampling = { messages, temperature: opts.temperature, topP: opts.topP };
    const completions: Completion[] = [];
    let text = "";
    let smallLeft = opts.maxTokens;
    let handovers = 0;
    let largeTokens = 0;
    let handing = opts.maxHandovers > 0;
    for (let segment = 0; smallLeft > 0; segment++) {
      const detect = handing;
      let streamed = "";
      const called = await callModel(ctx, {
        request: {
          ...sampling,
          assistantPrefix: text || undefined,
          maxTokens: smallLeft,
          logprobs: small.capabilities.logprobs ? 0 : undefined,
          seed: deriveSeed({ runSeed: ctx.seed, problemId: id, index: segment, stream: "small" }),
        },
        purpose: "step",
        tags: { model: "small", segment },
        // Stop the small model as soon as a reflection cue opens a step: the large one writes it.
        onDelta: (event, stop) => {
          if (!detect || event.index !== 0) return;
          streamed += event.text;
          if (findCue(streamed, opts.cues, opts.stepBreak, false)) stop();
        },
      }).catch((error: unknown) => {
        if (segment === 0 || !isBudgetError(error)) throw error;
        return null;
      });
      if (called === null) break;
      const completion = called.completions[0];
      if (!completion) break;
      completions.push(completion);
      smallLeft -= completion.usage.completionTokens;
      const cue = detect ? findCue(completion.text, opts.cues, opts.stepBreak, true) : undefined;
      if (!cue) {
        text += completion.text;
        break;
      }
      const handoverAt = text.length + cue.index + opts.stepBreak.length;
      const rest = completion.text.slice(cue.index + opts.stepBreak.length);
      text += completion.text.slice(0, cue.index + opts.stepBreak.length);
      ctx.trace.record(
        "decision",
        "handover",
        { facts: { handover: handovers + 1, cue: cue.cue, at: handoverAt, segment, to: large.id } },
        ctx.parentId,
      );
      const seed = deriveSeed({ runSeed: ctx.seed, problemId: id, index: handovers, stream: "large" });
      const step = await largeStep(ctx, opts, { ...sampling, assistantPrefix: text, seed }, large);
      if (step === null) {
        // The budget refuses the large model: keep what the small one wrote and let it finish alone.
        text += rest;
        handing = false;
        ctx.trace.record(
          "decision",
          "no-handover",
          { reason: "the budget refuses the large model" },
          ctx.parentId,
        );
        continue;
      }
      completions.push(step);
      handovers++;
      largeTokens += step.usage.completionTokens;
      const answered = marker !== "" && step.text.includes(marker);
      // An empty step (the large model stopped at once) adds no second break.
      const closed = answered || step.text.trim() === "" ? "" : opts.stepBreak;
      text += `${step.text}${closed}`;
      handing = handovers < opts.maxHandovers;
      ctx.trace.record(
        "decision",
        "handback",
        { facts: { handover: handovers, tokens: step.usage.completionTokens, answered } },
        ctx.parentId,
      );
      if (answered) break;
    }
    // One candidate, written by both models: the policy's answer, with every segment's tokens.
    const usage = { promptTokens: 0, completionTokens: 0 };
    for (const c of completions) {
      usage.promptTokens += c.usage.promptTokens;
      usage.completionTokens += c.usage.completionTokens;
    }
    const last = completions.at(-1);
    return {
      text,
      confidence: meanProbability(completions),
      candidates: [
        {
          index: 0,
          role: "policy" as const,
          text,
          ...readAnswer(problem, text),
          ...(last ? { finishReason: last.finishReason } : {}),
          usage,
        },
      ],
      details: {
        handovers,
        smallTokens: opts.maxTokens - Math.max(0, smallLeft),
        largeTokens,
        segments: completions.length - handovers,
      } satisfies SpeculativeThinkingDetails,
    };
  },
});

/** One step by the large model after the reasoning so far; null when the budget refuses it. */
async function largeStep(
  ctx: StrategyContext,
  opts: z.output<typeof speculativeThinkingOptions>,
  request: Omit<GenerateRequest, "signal">,
  large: ModelBackend,
): Promise<Completion | null> {
  try {
    const { completions } = await callModel(ctx, {
      role: "large",
      request: {
        ...request,
        maxTokens: opts.largeTokens,
        stop: [opts.stepBreak],
        logprobs: large.capabilities.logprobs ? 0 : undefined,
      },
      purpose: "step",
      tags: { model: "large" },
    });
    return completions[0] ?? null;
  } catch (error) {
    if (isBudgetError(error)) return null;
    throw error;
  }
}
