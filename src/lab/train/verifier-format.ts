/**
 * The text a lab verifier is trained on, identical to what deliberate's reward-model verifier
 * (src/verifiers/reward-model.ts) asks the backend to score:
 *
 *   <s> "Question:\n" question "\n\nProposed solution:\n" solution "\n\nIs the proposed solution correct? " verdict
 *
 * The verdict for a correct solution is exactly the reward model's default continuation, so the
 * likelihood `score()` reads for it is the verifier's P(correct); incorrect solutions get a verdict
 * that differs from its first token on, which puts the whole decision on that token.
 */
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";

/** The reward model's default continuation (a correct solution). */
export const YES_VERDICT = "Yes, the solution is correct.";
/** The verdict for an incorrect solution. */
export const NO_VERDICT = "No, the solution is incorrect.";

/**
 * The prompt before the verdict. The solution is trimmed because deliberate's `answerText()` trims
 * the candidate before the reward model sees it.
 */
export function verifierPrompt(question: string, solution: string): string {
  return `Question:\n${question}\n\nProposed solution:\n${solution.trim()}\n\nIs the proposed solution correct? `;
}

export interface VerifierRow {
  /** <s> + prompt, as ids. */
  prompt: number[];
  /** The verdict's ids (no </s>: the reward model scores the verdict alone). */
  solution: number[];
  /** 1 = correct. */
  label: number;
}

export function verifierRow(
  tokenizer: CharTokenizer,
  question: string,
  solution: string,
  label: number,
): VerifierRow {
  return {
    prompt: [CharTokenizer.bosId, ...tokenizer.encode(verifierPrompt(question, solution))],
    solution: tokenizer.encode(label === 1 ? YES_VERDICT : NO_VERDICT),
    label,
  };
}
