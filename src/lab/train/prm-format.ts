/**
 * The PRM's training rows: one per step prefix of a labelled solution, the text the `prm` step
 * scorer asks `score()` about (src/verifiers/step-scorers/prm-prompt.ts) followed by a verdict:
 *
 *   <s> prmPrompt(question, steps[0..i]) verdict
 *
 * The verdict token sequence is `PRM_YES` when the prefix's Monte-Carlo value is at least ½, else
 * `PRM_NO`; but the first verdict token — the one the two verdicts differ on, and so the PRM's
 * P(good prefix) — is trained towards the soft target (value, 1 − value) (prm-objective.ts). The
 * tokens after it ("es", "o") only spell the verdict out, so `score()`'s likelihood of the whole
 * `PRM_YES` stays ≈ P(first token).
 */
import { PRM_NO, PRM_YES, prmPrompt } from "../../verifiers/step-scorers/prm-prompt.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import type { PrmSample } from "./prm-labels.ts";

export interface PrmRow {
  /** <s> + prompt, as ids. */
  prompt: number[];
  /** The verdict's ids, no </s> (the scorer reads `PRM_YES` alone). */
  verdict: number[];
  /** The prefix's Monte-Carlo value in [0, 1]: the first verdict token's soft target. */
  value: number;
}

/** The first tokens of the two verdicts, which must differ (the whole decision sits there). */
export interface VerdictTokens {
  yes: number[];
  no: number[];
}

export function verdictTokens(tokenizer: CharTokenizer): VerdictTokens {
  const yes = tokenizer.encode(PRM_YES);
  const no = tokenizer.encode(PRM_NO);
  if (yes[0] === no[0]) throw new RangeError(`"${PRM_YES}" and "${PRM_NO}" start with the same token`);
  return { yes, no };
}

/** The row of the prefix `steps` of a solution to `question`. */
export function prmRow(
  tokenizer: CharTokenizer,
  question: string,
  steps: readonly string[],
  value: number,
): PrmRow {
  return {
    prompt: [CharTokenizer.bosId, ...tokenizer.encode(prmPrompt(question, steps))],
    verdict: tokenizer.encode(value >= 0.5 ? PRM_YES : PRM_NO),
    value,
  };
}

/**
 * What the first verdict token is trained towards: `soft`, the prefix's Monte-Carlo value (P(Yes)
 * then estimates the policy's chance of finishing right); `hard`, Math-Shepherd's hard estimate, 1
 * when some rollout reached the answer (P(Yes) then estimates whether the path is still alive, the
 * step-correctness question, without the noise of which rollouts happened to slip later).
 */
export type PrmLabels = "soft" | "hard";

/** Every step prefix of every sample, in order. */
export function prmRows(
  tokenizer: CharTokenizer,
  samples: PrmSample[],
  labels: PrmLabels = "soft",
): PrmRow[] {
  return samples.flatMap((sample) =>
    sample.steps.map((_, i) => {
      const value = sample.values[i];
      const target = labels === "hard" ? (value > 0 ? 1 : 0) : value;
      return prmRow(tokenizer, sample.question, sample.steps.slice(0, i + 1), target);
    }),
  );
}
