/**
 * Answer extraction: find the final answer inside a model's free-form output (or inside a gold string).
 *
 * The tiers follow the graders that agree best with humans (Math-Verify's priorities, lm-eval-harness'
 * GSM8K/Minerva filters, Qwen2.5-Math): the last `\boxed{}` or "final answer is …" (whichever comes
 * later), GSM8K `#### …`, "answer: …", a bare answer (the whole text is the answer), and last the
 * rightmost LaTeX span or number. Within a tier the LAST occurrence wins: models restate and correct
 * themselves as they go. Answers listed together ("$1$ and $2$", "\boxed{1}, \boxed{2}") are joined.
 */
import { type BoxedMatch, boxedMatches } from "./boxed.ts";
import { extractChoice } from "./extract-choice.ts";
import { brokenInlineSpans, latexSpans, type Span } from "./latex-spans.ts";
import type { AnswerKind } from "./types.ts";

export interface ExtractOptions {
  /** Which patterns apply. Default `math`. `choice` looks for option letters. */
  kind?: AnswerKind;
  /** For `choice`: the option texts, in letter order, so "the answer is Paris" maps to its letter. */
  choices?: string[];
  /** Allow the last number in the text as a last resort. Default true except for `text`. */
  lastNumberFallback?: boolean;
}

/** Longest text taken as a "bare" answer: anything longer is prose, not an answer. */
const BARE_MAX_CHARS = 300;
/** Boxes closer than this are one listed answer whatever lies between them. */
const JOIN_CLOSE_CHARS = 10;
/** Boxes with a list word or mark in a gap shorter than this are one listed answer. */
const JOIN_GAP_CHARS = 70;
/** What may stand between listed boxes once LaTeX commands are dropped: a unit word, then a list mark. */
const LISTED_GAP = /^[\s{}$]*(?:[A-Za-z]+[\s{}$]*)?(?:(?:,|;|\band\b|\bor\b)[\s{}$]*)?$/;

interface Found {
  answer: string;
  /** Position just after the answer in the text, to pick the rightmost across rules. */
  end: number;
}

/** Returns the text after the last `</think>`; null when a thinking block never closed (truncated). */
export function stripThinking(text: string): string | null {
  const close = text.lastIndexOf("</think>");
  if (close >= 0) return text.slice(close + "</think>".length);
  if (/<think>/.test(text)) return null;
  return text;
}

const PERCENT_AFTER = /^\s*\$*\s*(?:\\?%|percent(?:age)?\b|pct\b)/i;

/** "$28$ %" and "\boxed{28} percent": a percent sign written after the math belongs to the answer. */
function withPercent(answer: string, text: string, end: number): string {
  return PERCENT_AFTER.test(text.slice(end, end + 16)) && !/%\s*$/.test(answer) ? `${answer}\\%` : answer;
}

/**
 * Whether two boxes form one listed answer (Math-Verify's rule): right next to each other, or a short
 * gap with a list word or mark between different contents ("\boxed{1} and \boxed{2}"). A box repeated
 * after reasoning ("\boxed{4}. Checking again… \boxed{4}") is one answer, not a list.
 */
function joinableGap(gap: string, content: string, next: string): boolean {
  // Prose between the boxes means the model changed its mind ("\boxed{8}, but actually \boxed{9}");
  // a list is at most a unit word and a list mark ("\boxed{1} papers and \boxed{2}", "\quad \text{and} \quad").
  // A text aside ending in a list word is that list word: "\text{ for part (a) and }".
  const listed = gap.replace(/\\text\s*\{[^{}]*\b(and|or)\s*\}/g, " $1 ");
  if (!LISTED_GAP.test(listed.replace(/\\[A-Za-z]+|\\[()[\]]/g, ""))) return false;
  if (gap.length < JOIN_CLOSE_CHARS) return true;
  // A sentence break between them means the model moved on ("\boxed{2}. Later, checking: \boxed{3}").
  if (/[.!?:](?:\s|$)/.test(gap)) return false;
  return content !== next && gap.length < JOIN_GAP_CHARS && /\b(?:and|or)\b|[,;]/.test(gap);
}

/** The last box, joined with the boxes listed right before it ("\boxed{1} and \boxed{2}"). */
function boxedAnswer(text: string): Found | null {
  const boxes = boxedMatches(text);
  if (boxes.length === 0) return null;
  const group: BoxedMatch[] = [boxes[boxes.length - 1]];
  for (let i = boxes.length - 2; i >= 0; i--) {
    const gap = text.slice(boxes[i].end, group[0].start);
    if (!joinableGap(gap, boxes[i].content.trim(), group[0].content.trim())) break;
    group.unshift(boxes[i]);
  }
  const last = group[group.length - 1];
  // Identical neighbours count once ("\boxed{2} \boxed{2}").
  const contents = group.map((b) => b.content.trim()).filter((c, i, all) => i === 0 || c !== all[i - 1]);
  const answer = contents.join(", ");
  return { answer: withPercent(answer, text, last.end), end: last.end };
}

/** `text` without the trailing run of characters in `chars` (a loop: `[…]+$` rescans every run). */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1])) end--;
  return text.slice(0, end);
}

const isSpace = (ch: string) => /\s/.test(ch);

const LIST_GAP = /^\s*(?:,|;)?\s*(?:and|or)?\s*$/;

/** Spans listed together end at `last`: "$21, 16$ or $11$" → "21, 16, 11". */
function joinSpansBackward(text: string, spans: Span[], last: number): Found {
  let first = last;
  while (first > 0) {
    const gap = text.slice(spans[first - 1].end, spans[first].start);
    if (gap.trim().length === 0 || !LIST_GAP.test(gap)) break;
    first--;
  }
  const answer = spans
    .slice(first, last + 1)
    .map((s) => s.content)
    .join(", ");
  return { answer: withPercent(answer, text, spans[last].end), end: spans[last].end };
}

const NUMBER_RE =
  /-?(?:[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|\d+,\d\d(?![\d,])|\d+(?:\.\d+)?(?: +\d+\/\d+|\/\d+)?|\.\d+)(?:\s*(?:\\?%|percent\b))?/g;

function lastNumber(text: string, offset = 0): Found | null {
  let found: Found | null = null;
  NUMBER_RE.lastIndex = 0;
  for (let m = NUMBER_RE.exec(text); m !== null; m = NUMBER_RE.exec(text)) {
    // Skip digits glued to letters ("XDY2K"), which are names, not answers.
    if (/[A-Za-z_]/.test(text[m.index - 1] ?? " ")) continue;
    found = { answer: m[0], end: offset + m.index + m[0].length };
  }
  return found;
}

/**
 * The math in a sentence after "answer is", in order: LaTeX spans with a digit or a command in them and
 * numbers, so "The largest $n$ is 34" skips the variable and reads 34.
 */
function mathIn(text: string, offset: number): Found[] {
  const candidates: Array<Found & { start: number }> = latexSpans(text)
    .filter((s) => /[\d\\]/.test(s.content))
    .map((s) => ({ answer: s.content, start: s.start, end: offset + s.end }));
  NUMBER_RE.lastIndex = 0;
  for (let m = NUMBER_RE.exec(text); m !== null; m = NUMBER_RE.exec(text)) {
    if (/[A-Za-z_$\\{]/.test(text[m.index - 1] ?? " ")) continue;
    candidates.push({ answer: m[0], start: m.index, end: offset + m.index + m[0].length });
  }
  candidates.sort((a, b) => a.start - b.start);
  return candidates.map(({ answer, end }) => ({ answer, end }));
}

/** "The answer is not 5", "isn't 5", "is definitely not 5": what follows is ruled out. */
const NEGATION = /^(?:n['’]t\b|(?:(?:definitely|certainly|probably|clearly|surely)\s+)?not\b|never\b)/i;
/** "not 5 but 6", "not 5; it is 6": where the answer after a negation starts. */
const CONTRAST = /\b(?:but|rather|instead|it is|it's)\b|;/i;
/** "5 is not the answer", "$5$ was wrong": a value ruled out right after it is written. */
const NEGATED_AFTER = /^[\s$]*(?:is|was)(?:\s+not|n['’]t)\b|^[\s$]*(?:is|was)\s+(?:wrong|incorrect)\b/i;
/** Characters after the last number in which NEGATED_AFTER is looked for. */
const NEGATION_WINDOW = 40;
/** "either 5 or 6", "5, maybe 6": a sentence hedging between values. */
const HEDGE = /\b(?:or|either|neither|nor|maybe|perhaps|possibly)\b/i;

/**
 * Whitespace-separated words of two or more letters ("It is 5" has two): the measure of prose. Letters
 * glued to math ("2ab", "x^2y", "\frac{NO}{BO}") are variables, and "and"/"or" list answers.
 */
function proseWords(text: string): number {
  return text
    .replace(/\\(?:begin|end)\{[^}]*\}(?:\{[lcr|]+\})?/g, " ")
    .split(/\s+/)
    .filter((w) => /^[A-Za-z]{2,}[.,;:!?]*$/.test(w) && !/^(?:and|or)\b/.test(w)).length;
}

/**
 * `text` without its trailing words of two or more letters ("5 red apples." → "5"), as
 * `/\s+[A-Za-z]{2,}(?:\s+[A-Za-z]{2,})*[.\s]*$/` removed them, scanning back once from the end.
 */
function withoutTrailingWords(text: string): string {
  let end = trimEndOf(text, " \t\n\r\f\v.").length;
  let cut = -1;
  for (;;) {
    let start = end;
    while (start > 0 && /[A-Za-z]/.test(text[start - 1])) start--;
    if (end - start < 2 || start === 0 || !isSpace(text[start - 1])) break;
    while (start > 0 && isSpace(text[start - 1])) start--;
    cut = start;
    end = start;
  }
  return cut < 0 ? text : text.slice(0, cut);
}

/**
 * Whether a short text is an answer as written: math with at most trailing unit words ("5 apples",
 * "\frac{1}{2} meters", "3 and 4"), or a word answer without numbers ("Evelyn", "no solution").
 * "It is 5" is prose around an answer instead.
 */
function isAnswerLike(text: string): boolean {
  const core = withoutTrailingWords(text.replace(/\\(?:text\w*|mbox|mathrm)\s*\{[^{}]*\}/g, " "));
  // Units may trail math only: "I am not sure." strips to "I", which is no math to hang units on.
  if (proseWords(core) === 0 && /[\d\\^_=+\-*/()[\]{}<>|]/.test(core)) return true;
  return !/\d/.test(text) && proseWords(text) <= 2;
}

/**
 * Inline math broken over lines ("$ \n 9 \n $", "\( \n 9 \n \)"): not LaTeX (inline math stays on one
 * line), and Math-Verify refuses what is inside rather than guess. Only math-like insides count, so
 * currency ("paid $5.\nThen $") is left alone.
 */
function insideBrokenInline(text: string, index: number): boolean {
  return brokenInlineSpans(text).some(
    ([start, end, inside]) => index > start && index < end && !/[A-Za-z]{2,}/.test(inside),
  );
}

/** The rightmost LaTeX span (with the spans listed before it) or number. */
function rightmostMath(text: string, allowNumber: boolean, offset = 0): Found | null {
  const spans = latexSpans(text);
  const span = spans.length > 0 ? joinSpansBackward(text, spans, spans.length - 1) : null;
  if (span) span.end += offset;
  let number = allowNumber ? lastNumber(text, offset) : null;
  if (number && /[$(]/.test(text) && insideBrokenInline(text, number.end - offset - 1)) number = null;
  if (span && (!number || span.end >= number.end)) return span;
  return number;
}

/** Reads the answer that starts at `start`: a math span, a box, or the rest of the sentence. */
export function readAnswerSpan(text: string, start: number): Found | null {
  let at = start;
  while (at < text.length && (isSpace(text[at]) || '*:"“'.includes(text[at]))) at++;
  const rest = text.slice(at);
  if (rest.length === 0) return null;
  if (/^(?:\$|\\\[|\\\()/.test(rest)) {
    const spans = latexSpans(rest);
    if (spans.length > 0 && spans[0].start === 0) {
      let last = 0;
      while (last + 1 < spans.length && LIST_GAP.test(rest.slice(spans[last].end, spans[last + 1].start)))
        last++;
      const found = joinSpansBackward(rest, spans.slice(0, last + 1), last);
      return { answer: found.answer, end: at + found.end };
    }
  }
  if (/^\\(?:boxed|fbox)/.test(rest)) {
    const box = boxedMatches(rest)[0];
    if (box) return { answer: withPercent(box.content.trim(), rest, box.end), end: at + box.end };
  }
  // Plain text: to the end of the line, the sentence, or "I hope it is correct".
  const lineEnd = rest.indexOf("\n");
  let line = lineEnd < 0 ? rest : rest.slice(0, lineEnd);
  const hope = line.search(/I hope/i);
  if (hope >= 0) line = line.slice(0, hope).trimEnd();
  const sentenceEnd = /\.(?=\s|$)(?<!\d\.(?=\d))/.exec(line);
  if (sentenceEnd) line = line.slice(0, sentenceEnd.index);
  line = trimEndOf(line, "* \t\n\r\f\v.,;:!").trim();
  if (line.length === 0) return null;
  // "not 5" rules 5 out and answers nothing (an empty answer); "not 5 but 6" answers 6.
  const negated = NEGATION.exec(line);
  if (negated) {
    const contrast = CONTRAST.exec(line.slice(negated[0].length));
    const from = contrast ? negated[0].length + contrast.index + contrast[0].length : line.length;
    return rightmostMath(line.slice(from), true, at + from) ?? { answer: "", end: at + line.length };
  }
  // Prose around the answer ("The largest $n$ is 34"): the first math in it, as Math-Verify's lazy match
  // ("5 and the remainder is 3" → 5); a hedge ("either 5 or 6") is every value it names, never one.
  if (!isAnswerLike(line)) {
    const found = mathIn(line, at);
    if (found.length > 1 && HEDGE.test(line))
      return { answer: found.map((f) => f.answer).join(", "), end: found[found.length - 1].end };
    return found[0] ?? rightmostMath(line, true, at);
  }
  return { answer: line, end: at + line.length };
}

const FINAL_ANSWER_RE = /final\s+answer(?:\s+to\s+[^\n]{0,60}?)?\s*(?:is|:|=)\s*:?/gi;
const ANSWER_RE = /\banswer(?:\s+is|\s+would\s+be|\s+will\s+be|\s*:|\s*=)\s*:?/gi;
const GSM8K_RE = /####/g;

/** The answer after the last match of `re`. */
function afterLast(text: string, re: RegExp): Found | null {
  let end = -1;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) end = m.index + m[0].length;
  return end < 0 ? null : readAnswerSpan(text, end);
}

/** A short text with no prose in it is an answer as it stands ("5", "\frac{1}{2}", "x = 3", "Evelyn"). */
function bareAnswer(text: string): string | null {
  let t = text.trim();
  // Wrapped or not, a text this long is prose (and its delimiters are not worth scanning for).
  if (trimEndOf(t, " \t\n\r\f\v.").length > BARE_MAX_CHARS + 4) return null;
  const wrapped = /^(?:\$\$|\$|\\\[|\\\()([\s\S]*?)(?:\$\$|\$|\\\]|\\\))[.\s]*$/.exec(t);
  if (wrapped) t = wrapped[1].trim();
  if (t.length === 0 || t.length > BARE_MAX_CHARS) return null;
  // Math delimiters inside mean prose around math ("Answer \[ 9 \]"), not a bare answer.
  if (/(?<!\\)\$|\\\[|\\\(/.test(t)) return null;
  return isAnswerLike(t) ? trimEndOf(t, " \t\n\r\f\v.") : null;
}

/**
 * Extracts the final answer from `text`, or null when there is none (e.g. output cut off mid-thought).
 * The result is the answer's raw text (LaTeX kept); `parseMath` reads it further.
 */
export function extractAnswer(text: string, options: ExtractOptions = {}): string | null {
  const { kind = "math", choices } = options;
  const body = stripThinking(text);
  if (body === null) return null;
  if (kind === "choice") return extractChoice(body, choices);
  if (kind === "code") return body.trim() || null;
  const allowNumber = options.lastNumberFallback ?? kind !== "text";

  const boxed = boxedAnswer(body);
  // A box that never closes is an output cut off mid-answer: there is no answer to grade.
  if (!boxed && /\\(?:boxed|fbox)\s*\{/.test(body)) return null;
  const final = afterLast(body, FINAL_ANSWER_RE);
  if (boxed || final) return nonEmpty((!final || (boxed && boxed.end >= final.end) ? boxed! : final).answer);
  const marked = afterLast(body, GSM8K_RE) ?? afterLast(body, ANSWER_RE);
  if (marked) return nonEmpty(marked.answer);
  const bare = bareAnswer(body);
  if (bare !== null) return bare;
  const math = rightmostMath(body, allowNumber);
  // "After checking, 5 is not the answer.": the last number, ruled out by what follows it.
  if (math && NEGATED_AFTER.test(body.slice(math.end, math.end + NEGATION_WINDOW))) return null;
  if (math) return math.answer;
  return kind === "text" ? body.trim() || null : null;
}

/** An empty box ("\boxed{}") is no answer. */
function nonEmpty(answer: string): string | null {
  return answer.trim().length > 0 ? answer : null;
}
