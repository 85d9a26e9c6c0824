/**
 * `cot`: one chain of thought. With a thinking budget it does budget forcing (s1, Muennighoff et al.,
 * 2025, arXiv:2501.19393): when the reasoning runs out of its token budget, the thinking is closed and
 * the answer is forced by prefilling "</think>\n\nFinal answer: \boxed{" after the partial reasoning.
 */
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import type { ChatMessage, Completion } from "../models/types.ts";
import { backendFor, callModel } from "./call-model.ts";
import { samplingShape, strategyOptions } from "./options.ts";
import { buildMessages, taskKind, templates } from "./prompts.ts";
import { runStrategy } from "./run-strategy.ts";
import { deriveSeed, problemKey } from "./seeds.ts";
import { splitThinking, THINK_CLOSE } from "./thinking.ts";
import { meanProbability } from "./trace-confidence.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";

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

export async function cot(
  problem: Problem,
  ctx: StrategyContext,
  options: CotOptions = {},
): Promise<Solution> {
  const opts = cotOptions.parse(options);
  return runStrategy("cot", problem, ctx, opts, async (ctx) => {
    const messages = buildMessages(problem);
    const seed = deriveSeed({ runSeed: ctx.seed, problemId: problemKey(problem), index: 0 });
    const logprobs = backendFor(ctx, "policy").capabilities.logprobs ? 0 : undefined;
    const { temperature, topP, maxTokens, thinkingBudget } = opts;
    const first = await callModel(ctx, {
      request: { messages, temperature, topP, seed, logprobs, maxTokens: thinkingBudget ?? maxTokens },
    });
    const completion = usable(first.completions);
    if (thinkingBudget === undefined || completion.finishReason !== "length") {
      return { text: completion.text, confidence: meanProbability([completion]), data: { forced: false } };
    }

    // Budget forcing: close the thinking where it stopped and make the next tokens the answer.
    const split = splitThinking(completion.text);
    const closing = split.closed ? "\n\n" : `\n${THINK_CLOSE}\n\n`;
    const prefix = `${completion.text}${closing}${templates[taskKind(problem)].answerPrefix}`;
    const prefill = backendFor(ctx, "policy").capabilities.prefill;
    ctx.trace.record(
      "decision",
      "budget-forcing",
      { reason: `reasoning hit the thinking budget of ${thinkingBudget} tokens`, prefill },
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
      label: { phase: "forced-answer" },
    });
    const answer = usable(forced.completions);
    const text = prefill ? `${prefix}${answer.text}` : `${completion.text}${closing}${answer.text}`;
    return { text, confidence: meanProbability([completion, answer]), data: { forced: true } };
  });
}

/** The first completion, or an `UPSTREAM` error saying why there is none. */
function usable(completions: Completion[]): Completion {
  const completion = completions[0];
  if (!completion) throw new DeliberateError("UPSTREAM", "the model returned no completion");
  if (completion.finishReason === "error") {
    throw new DeliberateError("UPSTREAM", `generation failed: ${completion.error ?? "unknown error"}`);
  }
  return completion;
}
