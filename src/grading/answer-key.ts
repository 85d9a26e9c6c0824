/**
 * `answerKey`: the canonical string that equivalent answers share, so voting counts `1/2`, `\frac12` and
 * `0.5` as one answer. Synchronous and cheap: strategies call it on every sample.
 */
import { extractAnswer } from "./extract-answer.ts";
import { parseDecimal, rat, toKey } from "./rational.ts";
import type { GradeOptions } from "./types.ts";

/** First version: numbers exactly, everything else by its whitespace-free text. */
export function answerKey(text: string, options: GradeOptions = {}): string | null {
  const answer = extractAnswer(text, options);
  if (answer === null) return null;
  const compact = answer
    .replace(/\\(?:left|right|!|,|;|\s)/g, "")
    .replace(/\\[dtc]frac/g, "\\frac")
    .replace(/[\s$]/g, "");
  const number = parseDecimal(compact.replace(/,(?=\d{3}(?:\D|$))/g, ""));
  if (number) return toKey(number);
  const frac = /^(-?)(?:\\frac\{?(\d+)\}?\{?(\d+)\}?|(\d+)\/(\d+))$/.exec(compact);
  if (frac) {
    const n = BigInt(frac[2] ?? frac[4]);
    const d = BigInt(frac[3] ?? frac[5]);
    if (d !== 0n) return toKey(rat(frac[1] ? -n : n, d));
  }
  return options.kind === "choice" ? compact.toUpperCase() : compact;
}
