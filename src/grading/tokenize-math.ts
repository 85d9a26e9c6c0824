/**
 * Tokens of a normalised answer (LaTeX or plain math). Letters are single-character variables, except
 * names we know (function names and Greek letters) so that "2xy" reads as 2·x·y and "sin x" as sin(x).
 */

export type Token =
  | { t: "num"; s: string }
  | { t: "id"; s: string }
  /** A LaTeX command without its backslash: "frac", "pi", "{" for `\{`. */
  | { t: "cmd"; s: string }
  /** One of + - * / ^ _ ! , ; = < > & | ' % ( ) [ ] { } and "\\\\" (row break), "<=", ">=", "!=". */
  | { t: "op"; s: string };

/** Plain-text names read as one token. Longest first so "arcsin" wins over "sin". */
const NAMES = [
  "arcsin",
  "arccos",
  "arctan",
  "sqrt",
  "sinh",
  "cosh",
  "tanh",
  "sin",
  "cos",
  "tan",
  "cot",
  "sec",
  "csc",
  "log",
  "ln",
  "exp",
  "gcd",
  "lcm",
  "pi",
  "inf",
  "infty",
  "oo",
];

export class TokenizeError extends Error {}

export function tokenizeMath(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    const ch = input[i];
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
      continue;
    }
    if ((ch >= "0" && ch <= "9") || (ch === "." && /\d/.test(input[i + 1] ?? ""))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+(?![A-Za-z]))?/.exec(input.slice(i));
      if (!m) throw new TokenizeError(`bad number at ${i}`);
      // A trailing "." without digits is punctuation, not part of the number.
      const s = m[0].endsWith(".") ? m[0].slice(0, -1) : m[0];
      tokens.push({ t: "num", s });
      i += s.length;
      continue;
    }
    if (ch === "\\") {
      const next = input[i + 1] ?? "";
      if (/[A-Za-z]/.test(next)) {
        const m = /^[A-Za-z]+/.exec(input.slice(i + 1, i + 40))!;
        tokens.push({ t: "cmd", s: m[0] });
        i += 1 + m[0].length;
      } else if (next === "\\") {
        tokens.push({ t: "op", s: "\\\\" });
        i += 2;
      } else if (next === "{" || next === "}" || next === "%" || next === "|") {
        tokens.push({ t: "cmd", s: next });
        i += 2;
      } else {
        i += 2; // spacing commands left over: "\ ", "\,"
      }
      continue;
    }
    if (/[A-Za-z]/.test(ch)) {
      const word = /^[A-Za-z]+/.exec(input.slice(i, i + 60))![0];
      const name = NAMES.find((name) => word.startsWith(name));
      if (name) {
        tokens.push({ t: "id", s: name });
        i += name.length;
      } else {
        tokens.push({ t: "id", s: ch });
        i++;
      }
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === "<=" || two === ">=" || two === "!=" || two === "**") {
      tokens.push({ t: "op", s: two === "**" ? "^" : two });
      i += 2;
      continue;
    }
    if ("+-*/^_!,;=<>&|'%()[]{}:".includes(ch)) {
      tokens.push({ t: "op", s: ch });
      i++;
      continue;
    }
    throw new TokenizeError(`unexpected character ${JSON.stringify(ch)}`);
  }
  return tokens;
}
