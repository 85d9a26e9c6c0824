/**
 * Multiple-choice extraction: the option letter from "\boxed{B}", "the answer is (B)", "\text{(B)}",
 * "Answer: B", a line starting "B." or "(B)", or the text of an option ("the answer is Paris").
 */
import { boxedMatches } from "./boxed.ts";

/** Letters considered when no options are given: A–J (MMLU-Pro has ten). */
const DEFAULT_LETTERS = 10;
/** Letters a bare standalone capital may be when no options are given (Math-Verify's default A–D). */
const PLAIN_LETTERS = 4;

export function extractChoice(raw: string, choices?: string[]): string | null {
  // One space (or one newline) per whitespace run: the patterns below, `\s*:?\s*` among them, would
  // otherwise try every split of a long run.
  const text = raw.replace(/\s+/g, (ws) => (ws.includes("\n") ? "\n" : " "));
  const count = choices && choices.length > 0 ? choices.length : DEFAULT_LETTERS;
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".slice(0, Math.min(count, 26));
  const cls = `[${letters}${letters.toLowerCase()}]`;
  const pick = (s: string): string | null => {
    const inner = s
      .replace(/\\text(?:bf|rm)?\{([^}]*)\}/g, "$1")
      .replace(/[\s$*]/g, "")
      .replace(/^\(?([A-Za-z])\)?[.:]?$/, "$1");
    return inner.length === 1 && letters.includes(inner.toUpperCase()) ? inner.toUpperCase() : null;
  };
  const boxed = boxedMatches(text);
  if (boxed.length > 0) {
    const content = boxed[boxed.length - 1].content;
    const letter = pick(content) ?? matchOption(content, choices, letters);
    if (letter) return letter;
  }
  const anchored = new RegExp(
    `answer(?:\\s+is|\\s*:|\\s+would\\s+be)?\\s*:?\\s*(?:\\*\\*)?(?:option\\s+)?(?:\\$?\\\\text(?:bf)?\\{)?\\(?(${cls})\\)?(?![A-Za-z])`,
    "gi",
  );
  let last: string | null = null;
  for (let m = anchored.exec(text); m !== null; m = anchored.exec(text)) last = m[1].toUpperCase();
  if (last) return last;
  const whole = pick(text.trim());
  if (whole) return whole;
  const answerText = /answer(?:\s+is|\s*:)\s*(.+)/i.exec(text)?.[1];
  const byText = answerText ? matchOption(answerText, choices, letters) : null;
  if (byText) return byText;
  const paren = new RegExp(`\\(([${letters}])\\)`, "g");
  for (let m = paren.exec(text); m !== null; m = paren.exec(text)) last = m[1];
  if (last) return last;
  const lineStart = new RegExp(`(?:^|\\n)\\s*(?:\\*\\*)?\\(?([${letters}])(?:\\*\\*)?[.):](?:\\s|$)`, "g");
  for (let m = lineStart.exec(text); m !== null; m = lineStart.exec(text)) last = m[1];
  if (last) return last;
  // Last resort (Math-Verify's plain pattern): the last standalone option letter, "Because B is valid".
  // Without options only A–D, as Math-Verify; "A" and "I" starting a phrase ("I am", "A dog") are words.
  const plainLetters = choices && choices.length > 0 ? letters : letters.slice(0, PLAIN_LETTERS);
  const plain = new RegExp(`(?:^|\\s)(?:\\*\\*)?([${plainLetters}])(?:\\*\\*)?(?=[.,:\\s]|$)`, "g");
  for (let m = plain.exec(text); m !== null; m = plain.exec(text)) {
    if (!((m[1] === "A" || m[1] === "I") && /^\s[a-z]/.test(text.slice(m.index + m[0].length)))) last = m[1];
  }
  return last;
}

function matchOption(text: string, choices: string[] | undefined, letters: string): string | null {
  if (!choices || choices.length === 0) return null;
  const wanted = text
    .trim()
    .replace(/[.\s*]+$/, "")
    .toLowerCase();
  const index = choices.findIndex((c) => c.trim().toLowerCase() === wanted);
  return index >= 0 ? letters[index] : null;
}
