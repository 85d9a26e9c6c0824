/**
 * `program-aided`: PAL (Gao et al., 2022, arXiv:2211.10435) and Program of Thoughts (Chen et al.,
 * 2022, arXiv:2211.12588). The model writes a program that computes the answer; the sandbox runs it;
 * what the program prints (or its last value) is the answer. A crash goes back to the model with its
 * error text for another try, up to `retries` times. Every run is a `tool` trace node.
 *
 * Sample it several times through `self-consistency` with `inner: "program-aided"` (and a temperature
 * above 0 in `innerOptions`) for PoT's self-consistent variant.
 */
import { z } from "zod";
import { extractCode } from "../grading/code.ts";
import type { ChatMessage, Completion } from "../models/types.ts";
import { isBudgetError, remainingMs } from "../run/budget.ts";
import { backendFor, callModel, throwIfAborted } from "../run/call-model.ts";
import { buildMessages, taskKind } from "../run/prompts.ts";
import { deriveSeed, problemKey } from "../run/seeds.ts";
import type { Problem } from "../run/types.ts";
import { limitSchemas, programAnswer, runCode } from "../sandbox/index.ts";
import type { SandboxResult } from "../sandbox/types.ts";
import { defineStrategy } from "./define-strategy.ts";
import { samplingShape, strategyOptions } from "./options.ts";
import { evidence, fromCompletion } from "./sample.ts";
import { meanProbability } from "./trace-confidence.ts";
import type { StrategyContext } from "./types.ts";
import { completions } from "./work.ts";

export const programAidedOptions = strategyOptions({
  ...samplingShape(0),
  language: z
    .enum(["javascript", "python"])
    .default("javascript")
    .describe("Language the model writes: `javascript` (QuickJS) or `python` (pyodide). Default javascript."),
  retries: z
    .number()
    .int()
    .min(0)
    .default(2)
    .describe("Further attempts after a failed run, each shown the error. Default 2."),
  // The sandbox's own bounds, so a bad limit is refused when the options are parsed (for the
  // server: when the request arrives), before any model call.
  timeoutMs: limitSchemas.timeoutMs
    .int()
    .default(5000)
    .describe("Wall-clock limit per program run, in ms, 1–600000. Default 5000."),
  memoryMb: limitSchemas.memoryMb
    .optional()
    .describe(
      "Memory limit per program run, in MiB, 1–2048. Default: the sandbox's (JavaScript 64, Python 256).",
    ),
});
export type ProgramAidedOptions = z.input<typeof programAidedOptions>;

const INSTRUCTIONS = {
  javascript:
    "Solve the problem by writing a JavaScript program that computes the answer. Reason in comments if it helps. Put the whole program in one ```javascript fenced block; it must print only the final answer with console.log. No imports, no file or network access.",
  python:
    "Solve the problem by writing a Python program that computes the answer. Reason in comments if it helps. Put the whole program in one ```python fenced block; it must print only the final answer with print(). Use only the standard library.",
} as const;

/** Longest error text shown back to the model: the first lines of a traceback say what went wrong. */
const MAX_FEEDBACK_CHARS = 1500;

export interface ProgramAidedDetails {
  /** Model calls made: the first program and its retries. */
  attempts: number;
  /** Whether a program printed an answer. */
  ok: boolean;
  /** What the program printed, when it did. */
  output?: string;
}

export const programAided = defineStrategy({
  name: "program-aided",
  description: "PAL/PoT: the model writes a program, the sandbox runs it; errors go back for a retry.",
  options: programAidedOptions,
  // The first attempt and each retry.
  work: (o) => completions(o.retries + 1, o.maxTokens),
  async run(problem, ctx, opts) {
    const messages: ChatMessage[] = buildMessages(problem, { system: INSTRUCTIONS[opts.language] });
    const logprobs = backendFor(ctx, "policy").capabilities.logprobs ? 0 : undefined;
    const id = problemKey(problem);
    let last: Completion | undefined;
    let attempts = 0;
    const usage = { promptTokens: 0, completionTokens: 0 };
    // The one candidate: the final text, charged with every attempt's tokens.
    const outcome = (completion: Completion | undefined, text: string, details: ProgramAidedDetails) => {
      const candidate = completion
        ? { ...fromCompletion(problem, 0, "policy", completion, text), usage }
        : undefined;
      return {
        text,
        confidence: completion && details.ok ? meanProbability([completion]) : 0,
        candidates: candidate ? [evidence(candidate)] : [],
        details,
      };
    };
    for (let attempt = 0; attempt <= opts.retries; attempt++) {
      let called: Awaited<ReturnType<typeof callModel>>;
      try {
        called = await callModel(ctx, {
          request: {
            messages,
            temperature: opts.temperature,
            topP: opts.topP,
            maxTokens: opts.maxTokens,
            logprobs,
            seed: deriveSeed({ runSeed: ctx.seed, problemId: id, index: attempt, stream: "program" }),
          },
          sample: 0,
          tags: { attempt },
        });
      } catch (error) {
        // A retry the budget cannot pay for ends the loop; the first attempt must happen.
        if (attempt === 0 || !isBudgetError(error)) throw error;
        ctx.trace.record(
          "decision",
          "stop",
          { reason: (error as Error).message, facts: { attempt } },
          ctx.parentId,
        );
        break;
      }
      attempts = attempt + 1;
      const completion = called.completions[0];
      if (completion) {
        usage.promptTokens += completion.usage.promptTokens;
        usage.completionTokens += completion.usage.completionTokens;
      }
      const text = completion?.text ?? "";
      const code = extractCode(text, opts.language);
      const run = await runTool(ctx, opts, code, attempt);
      // The sandbox cannot be interrupted by the caller; an abort during the run counts right after.
      throwIfAborted(ctx);
      const answer = run ? programAnswer(run) : null;
      if (answer !== null) {
        const answered = `${text}\n\nProgram output: ${answer}\n\n${answerLine(problem, answer)}`;
        return outcome(completion, answered, { attempts, ok: true, output: answer });
      }
      last = completion;
      const problemText = failureText(run, code);
      const willRetry = attempt < opts.retries;
      ctx.trace.record(
        "decision",
        willRetry ? "retry" : "give-up",
        { reason: problemText, facts: { attempt } },
        ctx.parentId,
      );
      if (!willRetry) break;
      messages.push(
        { role: "assistant", content: text },
        {
          role: "user",
          content: `${problemText}\n\nFix the program and reply with the corrected program in one fenced block.`,
        },
      );
    }
    // No program produced an answer: the model's last text is all there is (graders may still read it).
    return outcome(last, last?.text ?? "", { attempts, ok: false });
  },
});

/** Runs the program inside a `tool` trace node; null when there was no code to run. */
async function runTool(
  ctx: StrategyContext,
  opts: z.output<typeof programAidedOptions>,
  code: string,
  attempt: number,
): Promise<SandboxResult | null> {
  if (code === "") return null;
  const span = ctx.trace.start("tool", `sandbox:${opts.language}`, { code, tags: { attempt } }, ctx.parentId);
  const run = await runCode({
    language: opts.language,
    code,
    // The option caps each run; the solve's remaining time budget caps it further.
    timeoutMs: Math.max(1, Math.min(opts.timeoutMs, Math.floor(remainingMs(ctx.budget, ctx.ledger)))),
    memoryMb: opts.memoryMb,
  });
  span.end({
    ok: run.ok,
    reason: run.reason,
    stdout: run.stdout,
    stderr: run.stderr,
    result: run.result,
    error: run.error,
  });
  return run;
}

/** What to tell the model about a run that gave no answer. */
function failureText(run: SandboxResult | null, code: string): string {
  if (run === null || code === "") return "Your reply contained no program to run.";
  if (run.ok) return "Your program ran but printed nothing. It must print the final answer.";
  const stderr = run.stderr.trim();
  const detail = [run.error ?? run.reason, stderr && stderr !== run.error ? stderr : ""]
    .filter(Boolean)
    .join("\n");
  return `Your program failed (${run.reason}):\n${detail.slice(0, MAX_FEEDBACK_CHARS)}`;
}

/** The answer in the form the grader reads for this problem's kind. */
function answerLine(problem: Problem, answer: string): string {
  return taskKind(problem) === "text" ? `Final answer: ${answer}` : `The answer is \\boxed{${answer}}.`;
}
