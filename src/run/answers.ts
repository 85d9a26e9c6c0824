/**
 * The bridge to grading: strategies read answers only through `answerKey` / `extractAnswer`, with the
 * options the problem implies, so voting and the eval harness agree on what counts as the same answer.
 */
import { extractAnswer, keyOfAnswer } from "../grading/index.ts";
import type { AnswerKind } from "../grading/types.ts";
import { taskKind } from "./prompts.ts";
import type { Problem, TaskKind } from "./types.ts";

const answerKinds: Record<TaskKind, AnswerKind> = {
  math: "math",
  choice: "choice",
  code: "code",
  text: "text",
};

export interface ReadAnswer {
  /** The extracted answer, or null. */
  answer: string | null;
  /** Its canonical key for voting, or null. */
  key: string | null;
}

/** Extracts the answer and its key from a completion's text (thinking blocks are skipped by grading). */
export function readAnswer(problem: Problem, text: string): ReadAnswer {
  const options = { kind: answerKinds[taskKind(problem)], choices: problem.choices };
  // Extract once; the key is read from the extracted answer (`answerKey(text)` would extract again).
  const answer = extractAnswer(text, options);
  return { answer, key: answer === null ? null : keyOfAnswer(answer, options) };
}
