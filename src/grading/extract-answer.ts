/**
 * Answer extraction: find the final answer inside a model's free-form output (or inside a gold string).
 *
 * The order follows the graders that agree best with humans (Math-Verify's priorities, lm-eval-harness'
 * GSM8K/Minerva filters, Qwen2.5-Math): the last `\boxed{}`, then "final answer is …", GSM8K `#### …`,
 * "answer: …", a bare answer (the whole text is the answer), the last LaTeX span, and only then the last
 * number. Within one rule the LAST occurrence wins: models restate and correct themselves as they go.
 */
import type { AnswerKind } from "./types.ts";

export interface ExtractOptions {
  /** Which patterns apply. Default `math`. `choice` looks for option letters. */
  kind?: AnswerKind;
  /** For `choice`: the option texts, in letter order, so "the answer is Paris" maps to its letter. */
  choices?: string[];
  /** Allow the last number in the text as a last resort. Default true for math and number. */
  lastNumberFallback?: boolean;
}

/** Longest text taken as a "bare" answer: anything longer is prose, not an answer. */
const BARE_MAX_CHARS = 80;

/** Returns the text after the last `</think>`; null when a thinking block never closed (truncated). */
export function stripThinking(text: string): string | null {
  const close = text.lastIndexOf("</think>");
  if (close >= 0) return text.slice(close + "</think>".length);
  if (/<think>/.test(text)) return null;
  return text;
}

/** Index of the brace closing the one at `open`, or -1 when the text ends first. */
export function matchBrace(text: string, open: number, openChar = "{", closeChar = "}"): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") {
      // `\{` and `\}` are literal braces in LaTeX, not grouping.
      i++;
      continue;
    }
    if (ch === openChar) depth++;
    else if (ch === closeChar) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** The content of every complete `\boxed{…}` / `\fbox{…}` (also `\boxed 5`), in order. */
export function boxedContents(text: string): string[] {
  const found: string[] = [];
  const re = /\\(boxed|fbox)(\s*)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index + m[0].length;
    if (text[start] === "{") {
      const end = matchBrace(text, start);
      if (end < 0) continue; // truncated: no answer here
      found.push(text.slice(start + 1, end));
      re.lastIndex = end + 1;
    } else if (m[1] === "boxed" && m[2].length > 0) {
      // `\boxed 5`: one token up to whitespace or `$`.
      const token = /^[^\s$]+/.exec(text.slice(start));
      if (token) found.push(token[0]);
    }
  }
  return found;
}

/** Reads the answer that starts at `start`: a math span, a boxed group, or the rest of the sentence. */
export function readAnswerSpan(text: string, start: number): string | null {
  let rest = text.slice(start).replace(/^[\s*:]+/, "");
  if (rest.length === 0) return null;
  const delimiters: Array<[string, string]> = [
    ["$$", "$$"],
    ["\\[", "\\]"],
    ["\\(", "\\)"],
    ["$", "$"],
  ];
  for (const [open, close] of delimiters) {
    if (!rest.startsWith(open)) continue;
    const end = findClose(rest, open.length, close);
    if (end < 0) break;
    const inner = rest.slice(open.length, end);
    // "$12$ and $13$" style continuations are kept together (Math-Verify joins them as a set).
    const after = rest.slice(end + close.length);
    const more = /^\s*(?:,\s*(?:and|or)?|and|or)\s*\$([^$\n]+)\$/.exec(after);
    if (more && open === "$") return `${inner}, ${more[1]}`;
    return inner;
  }
  if (rest.startsWith("\\boxed") || rest.startsWith("\\fbox")) {
    const boxed = boxedContents(rest);
    if (boxed.length > 0) return boxed[0];
  }
  // Plain text: to the end of the line, the sentence, or "I hope it is correct".
  rest = rest.split("\n")[0];
  rest = rest.replace(/\s*I hope.*$/i, "");
  const sentenceEnd = /\.(?=\s|$)(?<!\d\.(?=\d))/.exec(rest);
  if (sentenceEnd) rest = rest.slice(0, sentenceEnd.index);
  rest = rest.replace(/[*\s.,;:!]+$/, "").trim();
  return rest.length > 0 ? rest : null;
}

function findClose(text: string, from: number, close: string): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\" && close !== "\\]" && close !== "\\)") {
      i++;
      continue;
    }
    if (text.startsWith(close, i)) return i;
  }
  return -1;
}

const FINAL_ANSWER_RE = /final\s+answer(?:\s+to\s+[^\n]{0,60}?)?\s*(?:is|:|=)\s*:?/gi;
const ANSWER_RE = /\banswer(?:\s+is|\s+would\s+be|\s+will\s+be|\s*:|\s*=)\s*:?/gi;
const GSM8K_RE = /####\s*([^\n]+)/g;

function lastMatchEnd(text: string, re: RegExp): number {
  let end = -1;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) end = m.index + m[0].length;
  return end;
}

/** The LaTeX spans `$…$`, `$$…$$`, `\[…\]`, `\(…\)` with their end positions. */
function latexSpans(text: string): Array<{ content: string; end: number }> {
  const spans: Array<{ content: string; end: number }> = [];
  const re =
    /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([^\n]+?)\\\)|(?<![\\\d])\$((?:\\\$|[^\n$])+?)(?<!\\)\$/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const content = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (content.trim().length > 0) spans.push({ content, end: m.index + m[0].length });
  }
  return spans;
}

const NUMBER_RE =
  /-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:\/\d+)?|\.\d+)(?:\s*(?:\\?%|percent\b))?/g;

function lastNumber(text: string): { value: string; end: number } | null {
  let found: { value: string; end: number } | null = null;
  NUMBER_RE.lastIndex = 0;
  for (let m = NUMBER_RE.exec(text); m !== null; m = NUMBER_RE.exec(text)) {
    // Skip digits glued to letters ("XDY2K"), which are names, not answers.
    const before = text[m.index - 1] ?? " ";
    if (/[A-Za-z_]/.test(before)) continue;
    found = { value: m[0], end: m.index + m[0].length };
  }
  return found;
}

/** A short text with no prose in it is an answer as it stands ("5", "\frac{1}{2}", "x = 3", "Evelyn"). */
function bareAnswer(text: string): string | null {
  let t = text.trim();
  const wrapped = /^(?:\$\$|\$|\\\[|\\\()([\s\S]*?)(?:\$\$|\$|\\\]|\\\))[.\s]*$/.exec(t);
  if (wrapped) t = wrapped[1].trim();
  if (t.length === 0 || t.length > BARE_MAX_CHARS) return null;
  // Math delimiters inside mean prose around math ("Answer \\[ 9 \\]"), not a bare answer.
  if (/\$|\\\[|\\\(/.test(t)) return null;
  const words = t
    .replace(/\\[A-Za-z]+/g, " ")
    .split(/[^A-Za-z]+/)
    .filter((w) => w.length >= 2);
  return words.length <= 2 ? t.replace(/[.\s]+$/, "") : null;
}

/** Choice letters: from "(B)", "\text{(B)}", "answer is B", "B.", or an option's text. */
export function extractChoice(text: string, choices?: string[]): string | null {
  const count = choices && choices.length > 0 ? choices.length : 10;
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".slice(0, Math.min(count, 26));
  const cls = `[${letters}${letters.toLowerCase()}]`;
  const boxed = boxedContents(text);
  const pick = (s: string): string | null => {
    const inner = s
      .replace(/\\text(?:bf)?\{([^}]*)\}/g, "$1")
      .replace(/[\s$*]/g, "")
      .replace(/^\(?([A-Za-z])\)?\.?$/, "$1");
    return inner.length === 1 && letters.includes(inner.toUpperCase()) ? inner.toUpperCase() : null;
  };
  if (boxed.length > 0) {
    const letter = pick(boxed[boxed.length - 1]);
    if (letter) return letter;
  }
  const anchored = new RegExp(
    `answer(?:\\s+is|\\s*:|\\s+would\\s+be)?\\s*:?\\s*(?:\\*\\*)?(?:option\\s+)?(?:\\$?\\\\text\\{)?\\(?(${cls})\\)?(?![A-Za-z])`,
    "gi",
  );
  let last: string | null = null;
  for (let m = anchored.exec(text); m !== null; m = anchored.exec(text)) last = m[1].toUpperCase();
  if (last) return last;
  const whole = pick(text.trim());
  if (whole) return whole;
  if (choices && choices.length > 0) {
    const answerText = /answer(?:\s+is|\s*:)\s*(.+)/i
      .exec(text)?.[1]
      ?.trim()
      .replace(/[.\s]+$/, "");
    if (answerText) {
      const index = choices.findIndex((c) => c.trim().toLowerCase() === answerText.toLowerCase());
      if (index >= 0) return letters[index];
    }
  }
  const paren = new RegExp(`\\((${letters})\\)`, "g");
  for (let m = paren.exec(text); m !== null; m = paren.exec(text)) last = m[1];
  if (last) return last;
  const lineStart = new RegExp(`(?:^|\\n)\\s*(?:\\*\\*)?(${letters})(?:\\*\\*)?[.):](?:\\s|$)`, "g");
  for (let m = lineStart.exec(text); m !== null; m = lineStart.exec(text)) last = m[1];
  return last;
}

/**
 * Extracts the final answer from `text`, or null when there is none (e.g. output cut off mid-thought).
 * The result is the answer's raw text (LaTeX kept); `normalizeAnswer`/`parseAnswer` read it further.
 */
export function extractAnswer(text: string, options: ExtractOptions = {}): string | null {
  const { kind = "math", choices } = options;
  const body = stripThinking(text);
  if (body === null) return null;
  if (kind === "choice") return extractChoice(body, choices);
  if (kind === "code") return body.trim() || null;
  const allowNumber = options.lastNumberFallback ?? kind !== "text";

  const boxed = boxedContents(body);
  if (boxed.length > 0) return boxed[boxed.length - 1].trim();

  for (const re of [FINAL_ANSWER_RE, GSM8K_RE, ANSWER_RE]) {
    const end = re === GSM8K_RE ? lastGsm8k(body) : lastMatchEnd(body, re);
    if (end < 0) continue;
    const span = readAnswerSpan(body, end);
    if (span) return span;
  }

  const bare = bareAnswer(body);
  if (bare !== null) return bare;

  const spans = latexSpans(body);
  const lastSpan = spans.length > 0 ? spans[spans.length - 1] : null;
  const number = allowNumber ? lastNumber(body) : null;
  if (lastSpan && (!number || lastSpan.end >= number.end)) return lastSpan.content.trim();
  if (number) return number.value;
  return kind === "text" ? body.trim() || null : null;
}

function lastGsm8k(text: string): number {
  GSM8K_RE.lastIndex = 0;
  let start = -1;
  for (let m = GSM8K_RE.exec(text); m !== null; m = GSM8K_RE.exec(text)) start = m.index + 4;
  return start;
}
