/**
 * A solution as steps: its text cut at the step break, each piece trimmed, blank pieces dropped (step
 * search leaves a break after an unfinished trace's last step, and "\n\n\n" is one break, not two).
 *
 *   splitSteps("4+7=11\n11+3=14\n#### 14\n", "\n") → ["4+7=11", "11+3=14", "#### 14"]
 */
export function splitSteps(text: string, stepBreak: string): string[] {
  return text
    .split(stepBreak)
    .map((step) => step.trim())
    .filter((step) => step !== "");
}
