/**
 * Prompt templates per task kind. One place, so every strategy asks for answers in the shape the
 * grader extracts (`\boxed{}` for math and choices, a fenced block for code, "Final answer:" for text).
 */
import type { ChatMessage } from "../models/types.ts";
import type { Problem, TaskKind } from "./types.ts";

export interface PromptTemplate {
  /** Instruction prepended as a system message (merged into an existing system message). */
  system: string;
  /**
   * What budget forcing prefills after the thinking is cut off, so the next tokens are the answer
   * (s1's "Final Answer:" trick, arXiv:2501.19393).
   */
  answerPrefix: string;
}

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export const templates: Record<TaskKind, PromptTemplate> = {
  math: {
    system: "Solve the problem step by step. Put the final answer in \\boxed{}.",
    answerPrefix: "Final answer: \\boxed{",
  },
  choice: {
    system:
      "Think step by step, then give the letter of the correct option in \\boxed{}, for example \\boxed{B}.",
    answerPrefix: "Final answer: \\boxed{",
  },
  code: {
    system: "Write a complete solution as one fenced code block. Briefly explain first if it helps.",
    answerPrefix: "Final answer:\n```",
  },
  text: {
    system: 'Think step by step, then end with a line "Final answer: <answer>".',
    answerPrefix: "Final answer:",
  },
};

/** The problem's kind; `math` unless it says otherwise (choices imply `choice`). */
export function taskKind(problem: Problem): TaskKind {
  return problem.kind ?? (problem.choices?.length ? "choice" : "math");
}

/** Multiple-choice options as "A. …" lines. */
export function formatChoices(choices: string[]): string {
  return choices.map((choice, i) => `${LETTERS[i]}. ${choice}`).join("\n");
}

export interface BuildMessagesOptions {
  /** Overrides the kind's system instruction. */
  system?: string;
}

/**
 * The messages to send for a problem: the kind's instruction as system message, and the choices (if
 * any) appended to the last user message.
 */
export function buildMessages(problem: Problem, options: BuildMessagesOptions = {}): ChatMessage[] {
  const kind = taskKind(problem);
  const instruction = options.system ?? templates[kind].system;
  const messages = problem.messages.map((m) => ({ ...m }));
  const lastUser = messages.findLastIndex((m) => m.role === "user");
  if (problem.choices?.length && lastUser >= 0) {
    messages[lastUser].content = `${messages[lastUser].content}\n\n${formatChoices(problem.choices)}`;
  }
  if (messages[0]?.role === "system") {
    messages[0].content = `${messages[0].content}\n\n${instruction}`;
    return messages;
  }
  return [{ role: "system", content: instruction }, ...messages];
}

/** The last user message: the question itself, for judges and reward prompts. */
export function questionText(problem: Problem): string {
  const last = problem.messages.findLast((m) => m.role === "user");
  const question = last?.content ?? "";
  return problem.choices?.length ? `${question}\n\n${formatChoices(problem.choices)}` : question;
}
