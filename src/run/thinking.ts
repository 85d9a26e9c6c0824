/**
 * Thinking models (DeepSeek-R1 distills, Qwen3, QwQ) write hidden reasoning inside `<think>…</think>`
 * before the answer. Votes and verifiers must read only the answer part; budget forcing needs to know
 * whether the thinking was closed.
 */
import { stripThinking } from "../grading/extract-answer.ts";
import type { Completion } from "../models/types.ts";

export const THINK_OPEN = "<think>";
export const THINK_CLOSE = "</think>";

export interface ThinkingSplit {
  /** The reasoning, without the tags; "" when there was none. */
  thinking: string;
  /** What follows the reasoning: the visible answer. "" while the thinking is still open. */
  answer: string;
  /** False when `<think>` was opened and never closed (the model ran out of tokens while thinking). */
  closed: boolean;
}

/**
 * Splits a completion's text into reasoning and answer.
 * `"<think>2+2=4</think>\n\\boxed{4}"` → thinking `2+2=4`, answer `\\boxed{4}`. Templates that prefill
 * `<think>` leave only the closing tag in the text: `"2+2=4</think>\\boxed{4}"` splits the same way.
 */
export function splitThinking(text: string): ThinkingSplit {
  const close = text.lastIndexOf(THINK_CLOSE);
  if (close >= 0) {
    const open = text.indexOf(THINK_OPEN);
    const start = open >= 0 && open < close ? open + THINK_OPEN.length : 0;
    return {
      thinking: text.slice(start, close).trim(),
      answer: text.slice(close + THINK_CLOSE.length).trim(),
      closed: true,
    };
  }
  const open = text.indexOf(THINK_OPEN);
  if (open >= 0) return { thinking: text.slice(open + THINK_OPEN.length).trim(), answer: "", closed: false };
  return { thinking: "", answer: text.trim(), closed: true };
}

/**
 * The answer part a judge or reward model reads: grading's own definition (`stripThinking`), so a
 * verifier and the grader never disagree on what the answer is. A thinking block that never closed
 * (the model ran out of tokens while thinking) has no answer: "".
 */
export function answerText(completion: Pick<Completion, "text">): string {
  return stripThinking(completion.text)?.trim() ?? "";
}
