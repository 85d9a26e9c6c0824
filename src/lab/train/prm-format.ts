/**
 * The PRM's training rows: one per labelled solution, the text the `prm` step scorer asks `score()`
 * about for its last step (src/verifiers/step-scorers/prm-prompt.ts) followed by `PRM_YES`:
 *
 *   <s> prmPrompt(question, steps) "Yes"  =  <s> … step₁ " Yes\n" step₂ " Yes\n" … stepₙ " Yes"
 *
 * Every step is followed by its verdict, so one sequence carries one decision per step (Math-
 * Shepherd's layout; one decision per ~150-token sequence was too little signal for a 386K model).
 * At each verdict the first token — the one `PRM_YES` and `PRM_NO` differ on, and so the PRM's P(good
 * prefix) — is trained towards the step's target (prm-objective.ts). The input there is always
 * `PRM_YES` (a tag, as at scoring time), so its later tokens ("es") are trained as plain next-token
 * targets and `score()`'s likelihood of `PRM_YES` stays ≈ P(first token).
 */
import { PRM_NO, PRM_YES, prmPrompt } from "../../verifiers/step-scorers/prm-prompt.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import type { PrmSample } from "./prm-labels.ts";

/** One step's verdict in a row. */
export interface PrmDecision {
  /** Index in the row's tokens of the verdict's first token (predicted from position at − 1). */
  at: number;
  /** The first verdict token's target in [0, 1]: the value, or value > 0 (`PrmLabels`). */
  target: number;
  /** The prefix's Monte-Carlo value. */
  value: number;
}

export interface PrmRow {
  /** <s> + prmPrompt(question, steps) + PRM_YES, as ids. */
  tokens: number[];
  /** One per step, in order. */
  decisions: PrmDecision[];
  /** Whether the solution's answer is right (balanced batches draw on it). */
  label: number;
}

/** The tokens of the two verdicts, whose first tokens must differ (the whole decision sits there). */
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

/**
 * What the first verdict token is trained towards: `soft`, the prefix's Monte-Carlo value (P(Yes)
 * then estimates the policy's chance of finishing right); `hard`, Math-Shepherd's hard estimate, 1
 * when some rollout reached the answer (P(Yes) then estimates whether the path is still alive, the
 * step-correctness question, without the noise of which rollouts happened to slip later).
 */
export type PrmLabels = "soft" | "hard";

/** The row of a solution to `question` whose step prefixes have Monte-Carlo `values`. */
export function prmRow(
  tokenizer: CharTokenizer,
  question: string,
  steps: readonly string[],
  values: readonly number[],
  labels: PrmLabels = "soft",
  label = 0,
): PrmRow {
  if (values.length !== steps.length) {
    throw new RangeError(`${values.length} values for ${steps.length} steps`);
  }
  const tokens = [
    CharTokenizer.bosId,
    ...tokenizer.encode(prmPrompt(question, steps)),
    ...tokenizer.encode(PRM_YES),
  ];
  // Characters encode one at a time, so each prefix's prompt is a prefix of these tokens and its
  // verdict starts where that prompt ends.
  const decisions = steps.map((_, i) => {
    const value = values[i];
    return {
      at: 1 + tokenizer.encode(prmPrompt(question, steps.slice(0, i + 1))).length,
      target: labels === "hard" ? (value > 0 ? 1 : 0) : value,
      value,
    };
  });
  return { tokens, decisions, label };
}

/** One row per sample with steps, in order. */
export function prmRows(
  tokenizer: CharTokenizer,
  samples: PrmSample[],
  labels: PrmLabels = "soft",
): PrmRow[] {
  return samples
    .filter((sample) => sample.steps.length > 0)
    .map((sample) => prmRow(tokenizer, sample.question, sample.steps, sample.values, labels, sample.label));
}
