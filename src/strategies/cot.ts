/**
 * `cot`: one chain of thought. With a thinking budget it does budget forcing (s1, Muennighoff et al.,
 * 2025, arXiv:2501.19393): when the reasoning runs out of its token budget, the thinking is closed and
 * the answer is forced by prefilling "</think>\n\nFinal answer: \boxed{" after the partial reasoning.
 */
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import type { ChatMessage, Completion } from "../models/types.ts";
import { backendFor, callModel } from "../run/call-model.ts";
import { buildMessages, taskKind, templates } from "../run/prompts.ts";
import { deriveSeed, problemKey } from "../run/seeds.ts";
import { splitThinking, THINK_CLOSE } from "../run/thinking.ts";
import { defineStrategy } from "./define-strategy.ts";
import { samplingShape, strategyOptions } from "./options.ts";
import { evidence, fromCompletion } from "./sample.ts";
import { meanProbability } from "./trace-confidence.ts";
import type { StrategyOutcome } from "./types.ts";
import { addWork, completions } from "./work.ts";

export const cotOptions = strategyOptions({
  ...samplingShape(0),
  thinkingBudget: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Most tokens of reasoning before the answer is forced (budget forcing). Default: none."),
  answerTokens: z
    .number()
    .int()
    .positive()
    .default(64)
    .describe("Tokens allowed for the forced answer after the thinking budget ran out. Default 64."),
});
export type CotOptions = z.input<typeof cotOptions>;

/** Sent when the backend cannot prefill: the closest a plain chat can get to forcing the answer. */
const FORCE_WITHOUT_PREFILL = "Time is up. Reply with only the final answer, in the required format.";

export interface CotDetails {
  /** Whether the answer was forced after the thinking budget ran out. */
  forced: boolean;
}

export const cot = defineStrategy({
  name: "cot",
  description: "One chain of thought; optional thinking budget with budget forcing.",
  options: cotOptions,
  // One chain; with a thinking budget, a forced answer after it.
  work: (o) =>
    o.thinkingBudget === undefined
      ? completions(1, o.maxTokens)
      : addWork(completions(1, o.thinkingBudget), completions(1, o.answerTokens)),
  async run(problem, ctx, opts): Promise<StrategyOutcome<CotDetails>> {
    const messages = buildMessages(problem);
    const seed = deriveSeed({ runSeed: ctx.seed, problemId: problemKey(problem), index: 0 });
    const logprobs = backendFor(ctx, "policy").capabilities.logprobs ? 0 : undefined;
    const { temperature, topP, maxTokens, thinkingBudget } = opts;
    const first = await callModel(ctx, {
      request: { messages, temperature, topP, seed, logprobs, maxTokens: thinkingBudget ?? maxTokens },
      sample: 0,
    });
    const completion = usable(first.completions);
    if (thinkingBudget === undefined || completion.finishReason !== "length") {
      return {
        text: completion.text,
        confidence: meanProbability([completion]),
        candidates: [evidence(fromCompletion(problem, 0, "policy", completion))],
        details: { forced: false },
      };
    }

    // Budget forcing: close the thinking where it stopped and make the next tokens the answer.
    const split = splitThinking(completion.text);
    const closing = split.closed ? "\n\n" : `\n${THINK_CLOSE}\n\n`;
    const prefix = `${completion.text}${closing}${templates[taskKind(problem)].answerPrefix}`;
    const prefill = backendFor(ctx, "policy").capabilities.prefill;
    ctx.trace.record(
      "decision",
      "budget-forcing",
      { reason: `reasoning hit the thinking budget of ${thinkingBudget} tokens`, facts: { prefill } },
      ctx.parentId,
    );
    const forcedMessages: ChatMessage[] = prefill
      ? messages
      : [
          ...messages,
          { role: "assistant", content: completion.text },
          { role: "user", content: FORCE_WITHOUT_PREFILL },
        ];
    const forced = await callModel(ctx, {
      request: {
        messages: forcedMessages,
        assistantPrefix: prefill ? prefix : undefined,
        temperature: 0,
        seed,
        logprobs,
        maxTokens: opts.answerTokens,
      },
      purpose: "step",
      tags: { phase: "forced-answer" },
    });
    const answer = usable(forced.completions);
    const text = prefill ? `${prefix}${answer.text}` : `${completion.text}${closing}${answer.text}`;
    const candidate = fromCompletion(problem, 0, "policy", answer, text);
    candidate.usage = {
      promptTokens: completion.usage.promptTokens + answer.usage.promptTokens,
      completionTokens: completion.usage.completionTokens + answer.usage.completionTokens,
    };
    return {
      text,
      confidence: meanProbability([completion, answer]),
      candidates: [evidence(candidate)],
      details: { forced: true },
    };
  },
});

/** The first completion, or an `UPSTREAM` error saying why there is none. */
function usable(completions: Completion[]): Completion {
  const completion = completions[0];
  if (!completion) throw new DeliberateError("UPSTREAM", "the model returned no completion");
  if (completion.finishReason === "error") {
    throw new DeliberateError("UPSTREAM", `generation failed: ${completion.error ?? "unknown error"}`);
  }
  return completion;
}
