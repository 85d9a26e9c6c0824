/**
 * `gradeSync`: extract both answers, then compare them, cheapest first: normalised strings, then the
 * parsed math (numbers exactly, expressions at random points, structures by shape). Bounded: extraction
 * and normalisation are linear in the text, answers too long to be math compare as text, and parsing and
 * comparing share one WorkBudget, whose end is verdict "timeout" (the same on every machine). `grade`
 * adds a wall-clock limit in a worker pool.
 */
import { compareMath } from "./compare-math.ts";
import { extractAnswer } from "./extract-answer.ts";
import type { MathNode } from "./math-ast.ts";
import { normalizeAnswer } from "./normalize-answer.ts";
import { MAX_ANSWER_CHARS, ParseError, parseMath } from "./parse-math.ts";
import type { GradeOptions, GradeResult, Verdict } from "./types.ts";
import { WorkBudget, WorkLimitError } from "./work-budget.ts";

const result = (
  verdict: Verdict,
  predicted: string | null,
  gold: string | null,
  method: string,
  reason: string,
): GradeResult => ({ correct: verdict === "correct", verdict, predicted, gold, method, reason });

/** Places for the decimal convention, from the relative `tolerance` (1e-6 → 6 places). */
function decimalsFor(tolerance: number | undefined): number {
  if (tolerance === undefined || !(tolerance > 0)) return 6;
  return Math.max(0, Math.min(15, Math.round(-Math.log10(tolerance))));
}

/** `\text{13}`: a number written as text (tested on trimmed text of at most TEXT_NUMBER_CHARS). */
const TEXT_NUMBER = /^\$*\s*\\text\s*\{\s*-?[\d.]+\s*\}\s*\$*$/;
const TEXT_NUMBER_CHARS = 200;
const isTextNumber = (s: string) => s.length <= TEXT_NUMBER_CHARS && TEXT_NUMBER.test(s.trim());

const compact = (s: string) => s.replace(/\s+/g, "");

/** Grades `candidate` (a model's output) against `gold` (a reference answer or solution). */
export function gradeSync(candidate: string, gold: string, options: GradeOptions = {}): GradeResult {
  // Callers reading JSON pass numbers ("gold": 5); they are answers all the same.
  candidate = String(candidate ?? "");
  gold = String(gold ?? "");
  const kind = options.kind ?? "math";
  if (kind === "code") {
    return result("error", null, null, "none", "code answers are graded by running tests, not by gradeSync");
  }
  // Known so far, for a grading that runs out of work midway.
  let goldSeen: string | null = null;
  let predSeen: string | null = null;
  try {
    const goldAnswer = extractAnswer(gold, { ...options, lastNumberFallback: true });
    if (goldAnswer === null) return result("error", null, null, "none", "no answer found in the gold text");
    goldSeen = goldAnswer;
    let predicted = extractAnswer(candidate, options);
    predSeen = predicted;
    if (predicted === null)
      return result("unparseable", null, goldAnswer, "none", "no answer found in the output");

    if (kind === "choice") {
      const same = predicted.toUpperCase() === goldAnswer.toUpperCase();
      return result(
        same ? "correct" : "incorrect",
        predicted,
        goldAnswer,
        "choice",
        same ? "same option" : "other option",
      );
    }
    // Too long to be math (a megabyte of digits, a 20k-element list): compared as written, exactly.
    if (goldAnswer.length > MAX_ANSWER_CHARS || predicted.length > MAX_ANSWER_CHARS) {
      const same = compact(goldAnswer) === compact(predicted);
      return result(
        same ? "correct" : "incorrect",
        predicted,
        goldAnswer,
        "string",
        "too long to read as math; compared as text",
      );
    }
    // Math-Verify reads `\text{13}` as a word, not the number 13 (its issue #37): never equal to a bare number.
    const goldIsText = isTextNumber(goldAnswer) || isTextNumber(gold);
    if (goldIsText !== (isTextNumber(predicted) || isTextNumber(candidate))) {
      const other = goldIsText ? predicted : goldAnswer;
      if (/^\s*-?[\d.]+\s*$/.test(other))
        return result("incorrect", predicted, goldAnswer, "text", "a number in \\text{} is a word");
    }
    const goldNorm = normalizeAnswer(goldAnswer);
    let predNorm = normalizeAnswer(predicted);
    // A decimal comma against a decimal gold: "3,5" for 3.5 (a list 3, 5 could never equal one number).
    if (/^-?\d+\.\d+$/.test(goldNorm.trim()) && /^-?\d+,(?:\d{1,2}|\d{4,})$/.test(predNorm.trim())) {
      predNorm = predNorm.replace(",", ".");
      predicted = predNorm;
    }
    if (compact(goldNorm) === compact(predNorm) && compact(goldNorm).length > 0) {
      return result("correct", predicted, goldAnswer, "string", "identical after normalisation");
    }
    if (kind === "text") {
      const same = compact(goldNorm).toLowerCase() === compact(predNorm).toLowerCase();
      return result(
        same ? "correct" : "incorrect",
        predicted,
        goldAnswer,
        "string",
        same ? "same text" : "different text",
      );
    }
    const percentAsFraction = options.percentAsFraction ?? true;
    const budget = new WorkBudget();
    let goldNode: MathNode;
    try {
      goldNode = parseMath(goldNorm, { percentAsFraction, budget, normalized: true });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      const same = compact(goldNorm).toLowerCase() === compact(predNorm).toLowerCase();
      return result(
        same ? "correct" : "incorrect",
        predicted,
        goldAnswer,
        "string",
        "gold is not math; compared as text",
      );
    }
    let predNode: MathNode;
    try {
      predNode = parseMath(predNorm, { percentAsFraction, budget, normalized: true });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      return result(
        "incorrect",
        predicted,
        goldAnswer,
        "parse",
        `could not read the answer: ${error.message}`,
      );
    }
    const { equal, method } = compareMath(goldNode, predNode, {
      decimals: decimalsFor(options.tolerance),
      budget,
    });
    return result(
      equal ? "correct" : "incorrect",
      predicted,
      goldAnswer,
      method,
      equal ? "equivalent" : "not equivalent",
    );
  } catch (error) {
    if (error instanceof WorkLimitError) return result("timeout", predSeen, goldSeen, "none", error.message);
    return result("error", null, null, "none", `grader failed: ${(error as Error).message}`);
  }
}
