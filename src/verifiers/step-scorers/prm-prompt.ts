/**
 * The text a lab process reward model is trained on (`deliberate train --stage prm`) and scored with
 * (the `prm` step scorer through `backend.score()`), one definition for both sides. Math-Shepherd's
 * dense layout: every step is followed by a verdict, so one sequence carries a decision per step.
 *
 *   <s> "Question:\n" question "\n\nSteps, each checked:\n" (step " Yes\n")* last-step " " verdict
 *
 * The PRM's P(the steps so far are on a right path) is the likelihood of `PRM_YES` after the prompt.
 * The earlier steps' verdicts are always `PRM_YES`, in training as in scoring: a tag, not a label,
 * so the PRM never reads a verdict it was not given at scoring time. The lab trains the decision at
 * every tag at once — high Monte-Carlo value towards `PRM_YES`, low towards `PRM_NO`, which differ
 * from the first token on — and reads all of a solution's verdicts in one pass (prm-format.ts).
 * Each prompt extends the previous prefix's prompt plus its verdict, so a backend that keeps a
 * prefix cache feeds only the new step.
 */

/** The continuation whose likelihood is the step score, and every earlier step's tag. */
export const PRM_YES = "Yes";
/** The verdict a bad prefix is trained towards. */
export const PRM_NO = "No";

/** The prompt before the last step's verdict; steps are trimmed, one per line, at least one. */
export function prmPrompt(question: string, steps: readonly string[]): string {
  if (steps.length === 0) throw new RangeError("a PRM prompt needs at least one step");
  const lines = steps.map((s) => s.trim());
  const checked = lines
    .slice(0, -1)
    .map((step) => `${step} ${PRM_YES}\n`)
    .join("");
  return `Question:\n${question}\n\nSteps, each checked:\n${checked}${lines.at(-1)} `;
}
