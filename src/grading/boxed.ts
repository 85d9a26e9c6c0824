/** Brace matching and `\boxed{…}` spans: the building blocks of answer extraction. */

/** Index of the brace closing the one at `open`, or -1 when the text ends first (truncated output). */
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

export interface BoxedMatch {
  /** The text inside the braces. */
  content: string;
  /** Where `\boxed` starts. */
  start: number;
  /** Just after the closing brace. */
  end: number;
}

/**
 * For every `{` in `text`, the index of the `}` closing it (-1 when none does), in one pass: matching
 * each of 10k unclosed `\boxed{` separately would read the rest of the text 10k times.
 */
export function braceTable(text: string): Int32Array {
  const close = new Int32Array(text.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\")
      i++; // `\{` and `\}` are literal braces in LaTeX, not grouping.
    else if (ch === "{") open.push(i);
    else if (ch === "}" && open.length > 0) close[open.pop()!] = i;
  }
  return close;
}

/** Every complete `\boxed{…}` / `\fbox{…}` (also `\boxed 5`), outermost only, in order. */
export function boxedMatches(text: string): BoxedMatch[] {
  const found: BoxedMatch[] = [];
  const re = /\\(boxed|fbox)(\s*)/g;
  let closing: Int32Array | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const open = m.index + m[0].length;
    if (text[open] === "{") {
      closing ??= braceTable(text);
      const close = closing[open];
      if (close < 0) continue; // truncated: no answer here
      found.push({ content: text.slice(open + 1, close), start: m.index, end: close + 1 });
      re.lastIndex = close + 1;
    } else if (m[1] === "boxed" && m[2].length > 0) {
      // `\boxed 5`: one token up to whitespace or `$`.
      const token = /[^\s$]+/y;
      token.lastIndex = open;
      const read = token.exec(text);
      if (read) found.push({ content: read[0], start: m.index, end: open + read[0].length });
    }
  }
  return found;
}
