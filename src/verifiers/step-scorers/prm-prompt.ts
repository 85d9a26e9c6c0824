/**
 * The text a lab process reward model is trained on (`deliberate train --stage prm`) and scored with
 * (the `prm` step scorer through `backend.score()`), one definition for both sides:
 *
 *   <s> "Question:\n" question "\n\nSteps so far:\n" steps joined by "\n" "\n\nAre the steps so far correct? " verdict
 *
 * The PRM's P(correct prefix) is the likelihood of `PRM_YES` after the prompt; the lab trains prefixes
 * whose Monte-Carlo value is high towards `PRM_YES` and low ones towards `PRM_NO`, which differ from
 * the first token on, so the whole decision sits on that token.
 */

/** The continuation whose likelihood is the step score. */
export const PRM_YES = "Yes";
/** The verdict a bad prefix is trained towards. */
export const PRM_NO = "No";

/** The prompt before the verdict; steps are trimmed lines, joined by newlines. */
export function prmPrompt(question: string, steps: readonly string[]): string {
  return `Question:\n${question}\n\nSteps so far:\n${steps.map((s) => s.trim()).join("\n")}\n\nAre the steps so far correct? `;
}
