/**
 * Reward shaping, off unless a weight is set: a format term (the `<think>…</think>` structure of a
 * thinking model, and an answer present) and a soft length penalty, each reported on its own so a
 * trainer can log them (OpenRLHF's `extra_logs`). DeepSeek-R1's format reward and Kimi k1.5's length
 * penalty are the models: small terms beside correctness, never a substitute for it.
 */
import type { RewardComponents, RewardShaping } from "./types.ts";

/** Shaping with every default filled in. */
export type ResolvedShaping = Required<RewardShaping>;

export const DEFAULT_SHAPING: ResolvedShaping = {
  formatWeight: 0,
  lengthWeight: 0,
  lengthTarget: 4000,
  lengthSpan: 4000,
};

const OPEN = "<think>";
const CLOSE = "</think>";

function count(text: string, tag: string): number {
  let n = 0;
  for (let at = text.indexOf(tag); at >= 0; at = text.indexOf(tag, at + tag.length)) n++;
  return n;
}

/**
 * Format in [0, 1]: the mean of the checks that apply. With thinking tags in the output, whether
 * they are well formed (one `<think>`, one `</think>`, the close after the open); always, whether an
 * answer could be read. An output without any thinking tag is judged on its answer alone, so a model
 * that does not think is not penalised for it.
 * ```ts
 * formatScore("<think>2+2</think> \\boxed{4}", true); // 1
 * formatScore("<think>2+2 \\boxed{4}", false);        // 0 (never closed, so no answer)
 * formatScore("\\boxed{4}", true);                    // 1
 * ```
 */
export function formatScore(output: string, answerPresent: boolean): number {
  const opens = count(output, OPEN);
  const closes = count(output, CLOSE);
  const answer = answerPresent ? 1 : 0;
  if (opens === 0 && closes === 0) return answer;
  const wellFormed = opens === 1 && closes === 1 && output.indexOf(OPEN) < output.indexOf(CLOSE) ? 1 : 0;
  return (wellFormed + answer) / 2;
}

/**
 * Length penalty in [-1, 0]: 0 up to `lengthTarget` characters, then falling linearly to -1 at
 * `lengthTarget + lengthSpan` (8000 characters with the defaults) and staying there.
 */
export function lengthPenalty(chars: number, shaping: ResolvedShaping): number {
  const over = chars - shaping.lengthTarget;
  if (over <= 0) return 0;
  return -Math.min(1, over / shaping.lengthSpan);
}

export interface ShapeOptions {
  output: string;
  /** 1, 0, or the fallback for an item that could not be checked. */
  correctness: number;
  /** Whether an answer (or a program) was read from the output. */
  answerPresent: boolean;
  /** False for an item that could not be checked: its reward is exactly the fallback, no bonus. */
  scored: boolean;
  /**
   * A program that crashed or ran out of time: no format bonus (its format term is 0), so crashed
   * code is never rewarded above 0; the length penalty still applies.
   */
  crashed?: boolean;
  shaping: ResolvedShaping;
}

/**
 * The reward and its components: `correctness + formatWeight·format + lengthWeight·length`. A term
 * whose weight is 0 is left out of the components; an unscored item reports its terms as 0, so the
 * sum still holds and its reward is the fallback; crashed code gets no format bonus.
 */
export function shapeReward(options: ShapeOptions): { reward: number; components: RewardComponents } {
  const { output, correctness, answerPresent, scored, crashed = false, shaping } = options;
  const components: RewardComponents = { correctness };
  let reward = correctness;
  if (shaping.formatWeight > 0) {
    components.format = scored && !crashed ? formatScore(output, answerPresent) : 0;
    reward += shaping.formatWeight * components.format;
  }
  if (shaping.lengthWeight > 0) {
    components.length = scored ? lengthPenalty(output.length, shaping) : 0;
    reward += shaping.lengthWeight * components.length;
  }
  return { reward, components };
}
