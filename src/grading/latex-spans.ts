/**
 * Math spans in free text, found in one pass. They used to be regular expressions with lazy bodies
 * (`\\\[([\s\S]+?)\\\]`), which read to the end of the text for every opener that never closes: 20k
 * unclosed `\[` took seconds. Here each closer is searched for once per position it could close from,
 * so the scan is linear; the matches are the ones those expressions found.
 */

export interface Span {
  /** The text between the delimiters, trimmed. */
  content: string;
  /** Where the opening delimiter starts. */
  start: number;
  /** Just after the closing delimiter. */
  end: number;
}

/** `text.indexOf(needle, from)` for non-decreasing `from`, answered from the last search when it still holds. */
class NextIndex {
  private from = -1;
  private at = -1;

  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {}

  find(from: number): number {
    if (this.from < 0 || from < this.from || (this.at >= 0 && from > this.at)) {
      this.at = this.text.indexOf(this.needle, from);
      this.from = from;
    }
    return this.at;
  }
}

/** One span of `$$…$$`, `\[…\]` or `\(…\)` (a single line) or `$…$` (a single line), opened at `p`. */
interface Finders {
  dollars: NextIndex;
  brackets: NextIndex;
  parens: NextIndex;
  newline: NextIndex;
}

/** The span opened at `p`, or null: the alternatives in the order the old expression tried them. */
function spanAt(text: string, p: number, find: Finders): [number, number, number] | null {
  if (text.startsWith("$$", p)) {
    const close = find.dollars.find(p + 3);
    if (close >= 0) return [p + 2, close, close + 2];
  } else if (text.startsWith("\\[", p)) {
    const close = find.brackets.find(p + 3);
    if (close >= 0) return [p + 2, close, close + 2];
  } else if (text.startsWith("\\(", p)) {
    const close = find.parens.find(p + 3);
    const newline = find.newline.find(p + 2);
    if (close >= 0 && (newline < 0 || close < newline)) return [p + 2, close, close + 2];
  }
  // `$…$`: not after `\` or a digit ("$5" is currency), one line, `\$` inside is a literal dollar.
  if (text[p] !== "$" || (p > 0 && (text[p - 1] === "\\" || isDigit(text[p - 1])))) return null;
  for (let j = p + 1; j < text.length; j++) {
    const ch = text[j];
    if (ch === "\n") return null;
    if (ch !== "$") continue;
    if (text[j - 1] === "\\" && j - 1 > p) continue;
    return j > p + 1 ? [p + 1, j, j + 1] : null;
  }
  return null;
}

const isDigit = (ch: string) => ch >= "0" && ch <= "9";

/** The smaller of two `indexOf` results, -1 counting as not found. */
const earliest = (a: number, b: number) => (a < 0 ? b : b < 0 ? a : Math.min(a, b));

/** The LaTeX spans `$…$`, `$$…$$`, `\[…\]`, `\(…\)` (inline ones stay on one line), in order. */
export function latexSpans(text: string): Span[] {
  const spans: Span[] = [];
  const find: Finders = {
    dollars: new NextIndex(text, "$$"),
    brackets: new NextIndex(text, "\\]"),
    parens: new NextIndex(text, "\\)"),
    newline: new NextIndex(text, "\n"),
  };
  const dollars = new NextIndex(text, "$");
  const slashes = new NextIndex(text, "\\");
  let p = 0;
  while (p < text.length) {
    const next = earliest(dollars.find(p), slashes.find(p));
    if (next < 0) break;
    const span = spanAt(text, next, find);
    if (span === null) {
      p = next + 1;
      continue;
    }
    const [from, to, end] = span;
    const content = text.slice(from, to).trim();
    if (content.length > 0) spans.push({ content, start: next, end });
    p = end;
  }
  return spans;
}

/**
 * Inline math broken over lines ("$ \n 9 \n $", "\( \n 9 \n \)"), as [start, end, inside] triples in
 * order: a `$` (not after `\` or `$`, not before `$`) whose next `$` comes after a newline and is neither
 * escaped nor doubled, or a `\(` whose first `\)` after its first newline closes it.
 */
export function brokenInlineSpans(text: string): Array<[number, number, string]> {
  const found: Array<[number, number, string]> = [];
  const dollar = new NextIndex(text, "$");
  const opens = new NextIndex(text, "\\(");
  const parens = new NextIndex(text, "\\)");
  const newline = new NextIndex(text, "\n");
  let p = 0;
  while (p < text.length) {
    const d = dollar.find(p);
    const at = earliest(d, opens.find(p));
    if (at < 0) break;
    let match: [number, number, string] | null = null;
    if (at === d && text[at - 1] !== "\\" && text[at - 1] !== "$" && text[at + 1] !== "$") {
      const close = dollar.find(at + 1);
      const nl = newline.find(at + 1);
      if (close > 0 && nl >= 0 && nl < close && text[close - 1] !== "\\" && text[close + 1] !== "$")
        match = [at, close + 1, text.slice(at + 1, close)];
    } else if (text.startsWith("\\(", at)) {
      const nl = newline.find(at + 2);
      const close = nl < 0 ? -1 : parens.find(nl + 1);
      if (close >= 0) match = [at, close + 2, text.slice(at + 2, close)];
    }
    if (match) {
      found.push(match);
      p = match[1];
    } else p = at + 1;
  }
  return found;
}
