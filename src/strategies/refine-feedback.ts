/**
 * Feedback for `self-refine`: one check of a draft, from the model critiquing itself (Madaan et al.'s
 * FEEDBACK prompt, ending in a verdict), a verifier (a score below τ fails), or the problem's tests
 * run in the sandbox (a `tool` node; the failing test's message is the feedback).
 */
import { DeliberateError } from "../errors.ts";
import { gradeCode } from "../grading/code.ts";
import type { ChatMessage } from "../models/types.ts";
import { readAnswer } from "../run/answers.ts";
import { remainingMs } from "../run/budget.ts";
import { answerText } from "../run/thinking.ts";
import type { Problem } from "../run/types.ts";
import { resolveVerifier, type VerifierOption } from "../verifiers/index.ts";
import { verify } from "../verifiers/verify.ts";
import type { StrategyContext } from "./types.ts";

export type FeedbackSource = "self" | "verifier" | "tests";

export interface Feedback {
  passed: boolean;
  /** In [0, 1]: the verifier's score; 1 or 0 for the tests and the self verdict. */
  score: number;
  /** What the model is told when the draft did not pass. */
  feedback: string;
}

export interface RefineFeedbackOptions {
  problem: Problem;
  ctx: StrategyContext;
  source: FeedbackSource;
  /** For `verifier`: which one, and the score that passes. */
  verifier: VerifierOption;
  threshold: number;
  /** For `tests`: wall-clock limit of the run, in ms. */
  testTimeoutMs: number;
  /** The conversation the draft answers. */
  messages: ChatMessage[];
  draft: string;
  /** Revision round, for seeds and the trace. */
  round: number;
  /** Asks the policy (budgeted, traced): the critique goes through the strategy's own model call. */
  ask: (conversation: ChatMessage[], index: number, phase: string) => Promise<string>;
}

const CRITIQUE =
  'Review the solution above step by step and point out any mistake. End with the line "Verdict: correct" if its final answer is right, or "Verdict: incorrect" otherwise.';
const VERDICT = /verdict:\s*\**\s*(correct|incorrect)/gi;
/** Most characters of test output shown back: the first lines of a failure say what went wrong. */
const MAX_TEST_OUTPUT = 1500;

export async function refineFeedback(options: RefineFeedbackOptions): Promise<Feedback> {
  const { problem, ctx, source, messages, draft: text, round, ask } = options;
  switch (source) {
    case "self": {
      const written = await ask(
        [...messages, { role: "assistant", content: text }, { role: "user", content: CRITIQUE }],
        round,
        "critique",
      );
      // A thinking model's verdict is the one after its reasoning, not one it considered on the way.
      const critique = answerText({ text: written });
      const verdicts = [...critique.matchAll(VERDICT)];
      const passed = verdicts.at(-1)?.[1].toLowerCase() === "correct";
      return { passed, score: passed ? 1 : 0, feedback: critique.trim() || "Check your work again." };
    }
    case "verifier": {
      const verifier = resolveVerifier(options.verifier);
      const result = await verify(
        verifier,
        problem,
        { text, ...readAnswer(problem, text), index: round },
        ctx,
      );
      const failed = Array.isArray(result.data?.failed)
        ? ` Failed checks: ${result.data.failed.join(", ")}.`
        : "";
      return {
        passed: result.score >= options.threshold,
        score: result.score,
        feedback: `A verifier (${verifier.name}) judged this solution likely wrong (score ${result.score.toFixed(2)} < ${options.threshold}).${failed} Find the mistake.`,
      };
    }
    case "tests": {
      if (!problem.tests) {
        throw new DeliberateError("BAD_REQUEST", "`feedback: tests` needs a problem with `tests`", {
          param: "feedback",
        });
      }
      const span = ctx.trace.start(
        "tool",
        `tests:${problem.tests.language}`,
        { tests: problem.tests.code, tags: { round } },
        ctx.parentId,
      );
      // The option caps each run; the solve's remaining time budget caps it further.
      const timeoutMs = Math.max(
        1,
        Math.min(options.testTimeoutMs, Math.floor(remainingMs(ctx.budget, ctx.ledger))),
      );
      const graded = await gradeCode(answerText({ text }), problem.tests, { timeoutMs });
      const stderr = graded.run?.stderr.trim() ?? "";
      span.end({ verdict: graded.verdict, reason: graded.reason, stderr, code: graded.predicted });
      return {
        passed: graded.correct,
        score: graded.correct ? 1 : 0,
        feedback: `Running the tests on your code: ${graded.reason}${stderr ? `\n${stderr.slice(0, MAX_TEST_OUTPUT)}` : ""}`,
      };
    }
    default:
      return source satisfies never;
  }
}
