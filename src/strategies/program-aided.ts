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
import type { ChatMessage } from "../models/types.ts";
import { limitSchemas, programAnswer, runCode } from "../sandbox/index.ts";
import type { SandboxResult } from "../sandbox/types.ts";
import { isBudgetError } from "./budget.ts";
import { backendFor, callModel, throwIfAborted } from "./call-model.ts";
import { samplingShape, strategyOptions } from "./options.ts";
import { buildMessages, taskKind } from "./prompts.ts";
import { runStrategy } from "./run-strategy.ts";
import { deriveSeed, problemKey } from "./seeds.ts";
import { meanProbability } from "./trace-confidence.ts";
import type { Problem, Solution, StrategyContext } from "./types.ts";

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

export async function programAided(
  problem: Problem,
  ctx: StrategyContext,
  options: ProgramAidedOptions = {},
): Promise<Solution> {
  const opts = programAidedOptions.parse(options);
  return runStrategy("program-aided", problem, ctx, opts, async (ctx) => {
    const messages: ChatMessage[] = buildMessages(problem, { system: INSTRUCTIONS[opts.language] });
    const logprobs = backendFor(ctx, "policy").capabilities.logprobs ? 0 : undefined;
    const id = problemKey(problem);
    let last = { text: "", confidence: 0 };
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
          label: { attempt },
        });
      } catch (error) {
        // A retry the budget cannot pay for ends the loop; the first attempt must happen.
        if (attempt === 0 || !isBudgetError(error)) throw error;
        ctx.trace.record("decision", "stop", { reason: (error as Error).message, attempt }, ctx.parentId);
        break;
      }
      const completion = called.completions[0];
      const text = completion?.text ?? "";
      const code = extractCode(text, opts.language);
      const run = await runTool(ctx, opts, code, attempt);
      // The sandbox cannot be interrupted by the caller; an abort during the run counts right after.
      throwIfAborted(ctx);
      const answer = run ? programAnswer(run) : null;
      if (answer !== null) {
        return {
          text: `${text}\n\nProgram output: ${answer}\n\n${answerLine(problem, answer)}`,
          confidence: completion ? meanProbability([completion]) : 0,
          data: { attempts: attempt + 1, ok: true, answer },
        };
      }
      last = { text, confidence: 0 };
      const problemText = failureText(run, code);
      const willRetry = attempt < opts.retries;
      ctx.trace.record(
        "decision",
        willRetry ? "retry" : "give-up",
        { reason: problemText, attempt },
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
    return { text: last.text, confidence: last.confidence, data: { attempts: opts.retries + 1, ok: false } };
  });
}

/** Runs the program inside a `tool` trace node; null when there was no code to run. */
async function runTool(
  ctx: StrategyContext,
  opts: z.output<typeof programAidedOptions>,
  code: string,
  attempt: number,
): Promise<SandboxResult | null> {
  if (code === "") return null;
  const span = ctx.trace.start("tool", `sandbox:${opts.language}`, { code, attempt }, ctx.parentId);
  const run = await runCode({
    language: opts.language,
    code,
    timeoutMs: opts.timeoutMs,
    memoryMb: opts.memoryMb,
  });
  span.end({
    ok: run.ok,
    reason: run.reason,
    stdout: run.stdout,
    stderr: run.stderr,
    result: run.result,
    error: run.error,
    durationMs: run.durationMs,
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
