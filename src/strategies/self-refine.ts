/**
 * `self-refine` (Madaan et al., 2023, arXiv:2303.17651): answer, get feedback, revise, until the
 * answer passes or the rounds (or the budget) run out. Feedback comes from the model critiquing
 * itself (the paper's setup), from a verifier (a score below τ is a failed check), or from running the
 * problem's tests on the code (a failing test's message is the most useful feedback there is). Each
 * check is a `decision` node: accept, revise or stop, with the reason and score.
 */
import { z } from "zod";
import { DeliberateError } from "../errors.ts";
import type { ChatMessage, Completion } from "../models/types.ts";
import { isBudgetError } from "../run/budget.ts";
import { callModel } from "../run/call-model.ts";
import { buildMessages, taskKind, templates } from "../run/prompts.ts";
import { deriveSeed, problemKey } from "../run/seeds.ts";
import type { Problem } from "../run/types.ts";
import { limitSchemas } from "../sandbox/index.ts";
import { verifierLabel, verifierSchema } from "../verifiers/index.ts";
import { defineStrategy } from "./define-strategy.ts";
import { samplingShape, strategyOptions } from "./options.ts";
import { type Feedback, refineFeedback } from "./refine-feedback.ts";
import { evidence, fromCompletion } from "./sample.ts";
import type { SolutionCandidate } from "./types.ts";
import { completions } from "./work.ts";

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

export interface SelfRefineDetails {
  /** Where feedback came from (`auto` resolved). */
  feedback: "self" | "verifier" | "tests";
  /** The verifier's name, for `feedback: verifier`. */
  verifier?: string;
  /** Revisions made after the first answer. */
  rounds: number;
  /** The round whose draft was chosen. */
  chosen: number;
  stopped: string;
}

export const selfRefine = defineStrategy({
  name: "self-refine",
  description: "Answer, get feedback (self-critique, a verifier or tests), revise until it passes.",
  options: selfRefineOptions,
  // The answer, a check of every draft (a critique at most as long as an answer), and each revision.
  work: (o) => completions(1 + (o.rounds + 1) + o.rounds, o.maxTokens),
  async run(problem, ctx, opts) {
    const source = opts.feedback === "auto" ? (problem.tests ? "tests" : "self") : opts.feedback;
    if (source === "tests" && !problem.tests) {
      throw new DeliberateError("BAD_REQUEST", "`feedback: tests` needs a problem with `tests`", {
        param: "feedback",
      });
    }
    const messages = buildMessages(problem);
    const id = problemKey(problem);
    const call = async (conversation: ChatMessage[], index: number, phase: string) => {
      const { completions } = await callModel(ctx, {
        request: {
          messages: conversation,
          temperature: opts.temperature,
          topP: opts.topP,
          maxTokens: opts.maxTokens,
          seed: deriveSeed({ runSeed: ctx.seed, problemId: id, index, stream: `refine:${phase}` }),
        },
        purpose: phase === "critique" ? "judge" : "sample",
        ...(phase === "critique" ? {} : { sample: index }),
        tags: { phase, round: index },
      });
      return completions[0];
    };
    const ask = async (conversation: ChatMessage[], index: number, phase: string) =>
      (await call(conversation, index, phase))?.text ?? "";
    // Each draft is a candidate (its index is its round), scored by the check it got.
    const drafts: SolutionCandidate[] = [];
    const draft = (completion: Completion | undefined, round: number, score: number) => {
      if (completion) drafts.push(evidence(fromCompletion(problem, round, "policy", completion), score));
    };
    let current = await call(messages, 0, "answer");
    let stopped = `${opts.rounds} revisions done`;
    for (let round = 0; ; round++) {
      const text = current?.text ?? "";
      let check: Feedback;
      try {
        check = await refineFeedback({ ...opts, problem, ctx, source, messages, draft: text, round, ask });
      } catch (error) {
        if (!isBudgetError(error)) throw error;
        stopped = `budget: ${(error as Error).message}`;
        draft(current, round, 0);
        ctx.trace.record("decision", "stop", { reason: stopped, facts: { round } }, ctx.parentId);
        break;
      }
      draft(current, round, check.score);
      if (check.passed || round >= opts.rounds) {
        if (check.passed) stopped = `round ${round} passed the ${source} check`;
        ctx.trace.record(
          "decision",
          check.passed ? "accept" : "stop",
          { reason: stopped, facts: { round, score: check.score } },
          ctx.parentId,
        );
        break;
      }
      ctx.trace.record(
        "decision",
        "revise",
        { reason: check.feedback, facts: { round, score: check.score } },
        ctx.parentId,
      );
      try {
        current = await call(
          reviseConversation(problem, messages, text, check.feedback),
          round + 1,
          "revise",
        );
      } catch (error) {
        if (!isBudgetError(error)) throw error;
        stopped = `budget: ${(error as Error).message}`;
        ctx.trace.record("decision", "stop", { reason: stopped, facts: { round } }, ctx.parentId);
        break;
      }
    }
    // The best-checked draft; the later one on ties (revisions are meant to improve).
    const best = drafts.reduce<SolutionCandidate | undefined>(
      (a, b) => (a === undefined || (b.score ?? 0) >= (a.score ?? 0) ? b : a),
      undefined,
    );
    const details: SelfRefineDetails = {
      feedback: source,
      ...(source === "verifier" ? { verifier: verifierLabel(opts.verifier) } : {}),
      rounds: Math.max(0, drafts.length - 1),
      chosen: best?.index ?? 0,
      stopped,
    };
    return { text: best?.text ?? "", confidence: best?.score ?? 0, candidates: drafts, details };
  },
});

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
