/**
 * `self-refine` (Madaan et al., 2023, arXiv:2303.17651): answer, get feedback, revise, until the
 * answer passes or the rounds (or the budget) run out. Feedback comes from the model critiquing
 * itself (the paper's setup), from a verifier (a score below τ is a failed check), or from running the
 * problem's tests on the code (a failing test's message is the most useful feedback there is). Each
 * check is a `decision` node: accept, revise or stop, with the reason and score.
 */
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import type { ChatMessage } from "../models/types.ts";
import { limitSchemas } from "../sandbox/index.ts";
import { verifierSchema } from "../verifiers/index.ts";
import { isBudgetError } from "./budget.ts";
import { callModel } from "./call-model.ts";
import { samplingShape, strategyOptions } from "./options.ts";
import { buildMessages, taskKind, templates } from "./prompts.ts";
import { type Feedback, refineFeedback } from "./refine-feedback.ts";
import { runStrategy } from "./run-strategy.ts";
import { deriveSeed, problemKey } from "./seeds.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";

export const selfRefineOptions = strategyOptions({
  ...samplingShape(0),
  rounds: z.number().int().min(0).default(3).describe("Most revisions after the first answer. Default 3."),
  feedback: z
    .enum(["auto", "self", "verifier", "tests"])
    .default("auto")
    .describe(
      "Where feedback comes from: `self` (the model critiques itself), `verifier`, `tests` (run the problem's tests), or `auto` (tests when the problem has them, else self). Default auto.",
    ),
  verifier: verifierSchema.default("judge"),
  threshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.8)
    .describe("τ: a verifier score at or above this accepts the answer. Default 0.8."),
  testTimeoutMs: limitSchemas.timeoutMs
    .int()
    .default(10_000)
    .describe("Wall-clock limit per test run, in ms, 1–600000. Default 10000."),
});
export type SelfRefineOptions = z.input<typeof selfRefineOptions>;

export async function selfRefine(
  problem: Problem,
  ctx: StrategyContext,
  options: SelfRefineOptions = {},
): Promise<Solution> {
  const opts = selfRefineOptions.parse(options);
  const source = opts.feedback === "auto" ? (problem.tests ? "tests" : "self") : opts.feedback;
  const traced = {
    ...opts,
    feedback: source,
    verifier: typeof opts.verifier === "string" ? opts.verifier : opts.verifier.name,
  };
  return runStrategy("self-refine", problem, ctx, traced, async (ctx) => {
    if (source === "tests" && !problem.tests) {
      throw new DeliberateError("BAD_REQUEST", "`feedback: tests` needs a problem with `tests`", {
        param: "feedback",
      });
    }
    const messages = buildMessages(problem);
    const id = problemKey(problem);
    const ask = async (conversation: ChatMessage[], index: number, phase: string) => {
      const { completions } = await callModel(ctx, {
        request: {
          messages: conversation,
          temperature: opts.temperature,
          topP: opts.topP,
          maxTokens: opts.maxTokens,
          seed: deriveSeed({ runSeed: ctx.seed, problemId: id, index, stream: `refine:${phase}` }),
        },
        label: { phase, round: index },
      });
      return completions[0]?.text ?? "";
    };
    const drafts: Array<{ text: string; score: number; round: number }> = [];
    let text = await ask(messages, 0, "answer");
    let stopped = `${opts.rounds} revisions done`;
    for (let round = 0; ; round++) {
      let check: Feedback;
      try {
        check = await refineFeedback({ ...opts, problem, ctx, source, messages, draft: text, round, ask });
      } catch (error) {
        if (!isBudgetError(error)) throw error;
        stopped = `budget: ${(error as Error).message}`;
        drafts.push({ text, score: 0, round });
        ctx.trace.record("decision", "stop", { reason: stopped, round }, ctx.parentId);
        break;
      }
      drafts.push({ text, score: check.score, round });
      if (check.passed || round >= opts.rounds) {
        if (check.passed) stopped = `round ${round} passed the ${source} check`;
        ctx.trace.record(
          "decision",
          check.passed ? "accept" : "stop",
          { reason: stopped, round, score: check.score },
          ctx.parentId,
        );
        break;
      }
      ctx.trace.record(
        "decision",
        "revise",
        { reason: check.feedback, round, score: check.score },
        ctx.parentId,
      );
      try {
        text = await ask(reviseConversation(problem, messages, text, check.feedback), round + 1, "revise");
      } catch (error) {
        if (!isBudgetError(error)) throw error;
        stopped = `budget: ${(error as Error).message}`;
        ctx.trace.record("decision", "stop", { reason: stopped, round }, ctx.parentId);
        break;
      }
    }
    // The best-checked draft; the later one on ties (revisions are meant to improve).
    const best = drafts.reduce((a, b) => (b.score >= a.score ? b : a));
    return {
      text: best.text,
      confidence: best.score,
      data: { rounds: drafts.length - 1, chosen: best.round, stopped, scores: drafts.map((d) => d.score) },
    };
  });
}

function reviseConversation(
  problem: Problem,
  messages: ChatMessage[],
  text: string,
  feedback: string,
): ChatMessage[] {
  const shape = templates[taskKind(problem)].system;
  return [
    ...messages,
    { role: "assistant", content: text },
    {
      role: "user",
      content: `Feedback on your solution:\n${feedback}\n\nWrite an improved, complete solution. ${shape}`,
    },
  ];
}
