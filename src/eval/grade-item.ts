/**
 * Grades a model's text against an eval item: countdown items by checking the expression, code
 * items by running their tests, everything else through grading's verdict cascade. Also gives the
 * answer key samples vote on, consistent with the grade.
 */

import { answerKey, keyOfAnswer } from "../grading/answer-key.ts";
import { gradeCode } from "../grading/code.ts";
import { extractAnswer } from "../grading/extract-answer.ts";
import { grade, gradeSync } from "../grading/index.ts";
import type { AnswerKind, GradeResult } from "../grading/types.ts";
import type { TaskKind } from "../strategies/types.ts";
import { checkCountdown } from "../tasks/index.ts";
import type { EvalItem } from "./types.ts";

export interface ItemGrader {
  grade(text: string, item: EvalItem): GradeResult | Promise<GradeResult>;
  /** The canonical answer key of `text` (equal keys = the same answer), or null when none. */
  key(text: string, item: EvalItem): string | null;
  /**
   * The gold answer's key (cached per item), when equal keys decide correctness: an answer whose
   * key is this one is right without a grading round trip. Null when keys do not decide (code,
   * countdown) or the gold has no key.
   */
  goldKey?(item: EvalItem): { key: string; answer: string } | null;
}

/**
 * The verdict of an answer whose key equals the gold's: what `grade` would say, without grading
 * again (and, in `pool` mode, without a round trip to a worker).
 */
export function keyMatchVerdict(predicted: string, gold: { answer: string }): GradeResult {
  return {
    correct: true,
    verdict: "correct",
    predicted,
    gold: gold.answer,
    method: "key",
    reason: "same answer key as the gold answer",
  };
}

export interface ItemGraderOptions {
  /**
   * `pool` (default) grades in worker threads under `timeoutMs`, so a pathological answer cannot
   * hang the run; `sync` grades in-process, faster for trusted short answers (synthetic sets, benches).
   */
  mode?: "pool" | "sync";
  /** Per-answer time limit in ms for `pool` mode and code tests. Default 5000 (code: 10000). */
  timeoutMs?: number;
}

const answerKinds: Record<TaskKind, AnswerKind> = {
  math: "math",
  choice: "choice",
  code: "code",
  text: "text",
};

/** The last `#### ...` line, else the last non-empty line: where a countdown expression is written. */
export function finalLine(text: string): string {
  const at = text.lastIndexOf("####");
  if (at >= 0)
    return text
      .slice(at + 4)
      .split("\n")[0]
      .trim();
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return (lines.at(-1) ?? "")
    .replace(/^.*?(?:answer is|answer:)\s*/i, "")
    .replace(/\.$/, "")
    .trim();
}

const goldKeys = new WeakMap<EvalItem, { key: string; answer: string } | null>();

/**
 * The gold answer's key and extracted text (cached per item), extracted as grading extracts a gold
 * answer; null for items keys do not decide (code, countdown) or a gold without an answer.
 */
export function goldAnswerKey(item: EvalItem): { key: string; answer: string } | null {
  if (item.check === "countdown" || item.kind === "code") return null;
  let known = goldKeys.get(item);
  if (known === undefined) {
    const options = { kind: answerKinds[item.kind], choices: item.choices };
    const answer = extractAnswer(String(item.gold ?? ""), { ...options, lastNumberFallback: true });
    known = answer === null ? null : { key: keyOfAnswer(answer, options), answer };
    goldKeys.set(item, known);
  }
  return known;
}

export function createItemGrader({ mode = "pool", timeoutMs }: ItemGraderOptions = {}): ItemGrader {
  return {
    // Only where grading is a round trip to a worker: in-process, grading a short answer costs
    // about what computing the gold's key does.
    ...(mode === "pool" ? { goldKey: goldAnswerKey } : {}),
    key(text, item) {
      if (item.check === "countdown") {
        const { numbers, target } = item.meta as { numbers: number[]; target: number };
        const expression = finalLine(text);
        // All expressions that reach the target are the same answer for voting.
        return checkCountdown(numbers, target, expression) ? `=${target}` : expression || null;
      }
      if (item.kind === "code") return null;
      return answerKey(text, { kind: answerKinds[item.kind], choices: item.choices });
    },
    grade(text, item) {
      if (item.check === "countdown") {
        const { numbers, target } = item.meta as { numbers: number[]; target: number };
        const expression = finalLine(text);
        const correct = checkCountdown(numbers, target, expression);
        return {
          correct,
          verdict: expression === "" ? "unparseable" : correct ? "correct" : "incorrect",
          predicted: expression || null,
          gold: item.gold,
          method: "countdown",
          reason: correct ? `reaches ${target}` : `does not reach ${target} with ${numbers.join(" ")}`,
        };
      }
      if (item.kind === "code" && item.tests)
        return gradeCode(text, item.tests, { timeoutMs: timeoutMs ?? 10_000 });
      const options = { kind: answerKinds[item.kind], choices: item.choices, timeoutMs };
      return mode === "sync" ? gradeSync(text, item.gold, options) : grade(text, item.gold, options);
    },
  };
}
