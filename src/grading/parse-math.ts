/**
 * Our own recursive-descent parser for answers, LaTeX and plain text alike ("\frac{1}{2}", "1/2",
 * "\sqrt3", "2x+1", "[0, 1)", "\begin{pmatrix}1\\2\end{pmatrix}", "y = 2x + 1"). It covers what answers
 * contain and fails loudly (ParseError) on the rest, which then falls back to string comparison. It is
 * predictable and fast (no CAS start-up), the reason we do not lean on compute-engine for this.
 */
import type { MathNode } from "./math-ast.ts";
import { MathParser } from "./math-parser.ts";
import { normalizeAnswer } from "./normalize-answer.ts";
import { ParseError } from "./token-cursor.ts";
import { type Token, tokenizeMath } from "./tokenize-math.ts";
import { WorkBudget } from "./work-budget.ts";

export { ParseError };

export interface ParseOptions {
  /** `50\%` reads as 1/2 when true (default), as 50 when false. */
  percentAsFraction?: boolean;
  /** The work parsing may do (sums written out, limits evaluated). Default: a fresh WorkBudget. */
  budget?: WorkBudget;
  /** `raw` is already normalizeAnswer's output (it is idempotent): skip normalising it again. */
  normalized?: boolean;
}

/** Inputs longer than this are prose, not answers; refusing them keeps parsing bounded. */
export const MAX_ANSWER_CHARS = 20_000;

/** Parses one answer. Throws ParseError when it is not math we understand. */
export function parseMath(raw: string, options: ParseOptions = {}): MathNode {
  if (raw.length > MAX_ANSWER_CHARS) throw new ParseError("answer too long");
  const text = options.normalized ? raw : normalizeAnswer(raw);
  if (text.length === 0) throw new ParseError("empty answer");
  if (text.length > MAX_ANSWER_CHARS) throw new ParseError("answer too long");
  // Word answers ("Evelyn", "no solution") are text, not a product of single-letter variables.
  const words = text.replace(/\\text\{([^}]*)\}/g, "$1").trim();
  if (/^[A-Za-z][A-Za-z\s'-]*$/.test(words) && /[A-Za-z]{3,}/.test(words) && !isMathWord(words)) {
    return { k: "text", s: words.toLowerCase().replace(/\s+/g, " ") };
  }
  try {
    let tokens: Token[];
    try {
      tokens = tokenizeMath(text);
    } catch (error) {
      throw new ParseError((error as Error).message);
    }
    return new MathParser(
      tokens,
      options.percentAsFraction ?? true,
      options.budget ?? new WorkBudget(),
    ).parseTop();
  } catch (error) {
    // "a = \something odd = 5": the last side of a chain is often all that matters (Math-Verify too).
    const sides = text.split(/(?<![<>!\\])=/);
    if (!(error instanceof ParseError) || sides.length < 2 || /[,;]/.test(text)) throw error;
    return parseMath(sides[sides.length - 1], { ...options, normalized: false });
  }
}

function isMathWord(words: string): boolean {
  return /^(?:sqrt|sin|cos|tan|log|ln|exp|pi|infty?|oo)\b/.test(words) && !/\s/.test(words.trim());
}
