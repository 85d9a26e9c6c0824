/**
 * String-level clean-up of an extracted answer before parsing: LaTeX spacing and sizing noise, units,
 * degrees, currency, thousands separators, Unicode symbols. What is left is plain math for `parseMath`.
 * Each rule is cheap and safe on its own: "\left( \frac{1}{3} \right) \text{ m}" → "(\frac{1}{3})".
 */
import { matchBrace } from "./boxed.ts";

const UNICODE: Array<[RegExp, string]> = [
  [/[\u2212\u2013\u2014\uFE63\uFF0D]/g, "-"],
  [/×/g, "\\times "],
  [/÷/g, "\\div "],
  [/[·⋅]/g, "\\cdot "],
  [/π/g, "\\pi "],
  [/∞/g, "\\infty "],
  [/√/g, "\\sqrt"],
  [/≤/g, "\\le "],
  [/≥/g, "\\ge "],
  [/≠/g, "\\ne "],
  [/∪/g, "\\cup "],
  [/±/g, "\\pm "],
  [/°/g, "^\\circ"],
  [/²/g, "^2"],
  [/³/g, "^3"],
  [/\u00A0/g, " "],
  [/∓/g, "\\mp "],
  [/∈/g, "\\in "],
  [/≈/g, "\\approx "],
  [/∅/g, "\\emptyset "],
  [/½/g, "(1/2)"],
  [/⅓/g, "(1/3)"],
  [/⅔/g, "(2/3)"],
  [/¼/g, "(1/4)"],
  [/¾/g, "(3/4)"],
];

/** Commands whose argument is text: kept when it is the answer, dropped when it is a unit after one. */
const TEXT_COMMANDS =
  /\\(?:text|textbf|textit|textrm|texttt|mathrm|mbox|mathit|textnormal|operatorname)\s*\{/g;
/** Stands in for a dropped unit until its exponent is dropped too. */
const UNIT = "\uE000"; // a private-use character: never part of a real answer

/** Groups of two or more assignments split by semicolons: "p=5,q=2;p=7,q=2". */
const ASSIGNMENT_GROUPS =
  /^(?:\s*[A-Za-z]\w*\s*=\s*[^=,;]+(?:,\s*[A-Za-z]\w*\s*=\s*[^=,;]+)+\s*)(?:;(?:\s*[A-Za-z]\w*\s*=\s*[^=,;]+(?:,\s*[A-Za-z]\w*\s*=\s*[^=,;]+)+\s*))+$/;

/** Commands that only style their argument. */
const STYLE_COMMANDS =
  /\\(?:mathbf|boldsymbol|bm|mathbb|mathcal|vec|overline|overrightarrow|hat|bar|displaystyle)\s*\{/g;

function replaceCommandArgs(text: string, re: RegExp, replace: (inner: string, before: string) => string) {
  let out = "";
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const open = m.index + m[0].length - 1;
    const close = matchBrace(text, open);
    if (close < 0) break;
    out += text.slice(last, m.index);
    out += replace(text.slice(open + 1, close), out);
    last = close + 1;
    re.lastIndex = close + 1;
  }
  return out + text.slice(last);
}

/** Digits a repeating decimal may have to be read exactly (BigInt parsing is quadratic in them). */
const MAX_REPEATING_DIGITS = 1000;

/** "0.1\overline{6}" → "(15/90)": a repeating decimal as the exact fraction it denotes. */
function repeatingDecimal(m: string, sign: string, whole: string, fixed: string, repeat: string): string {
  if (whole.length + fixed.length + repeat.length > MAX_REPEATING_DIGITS) return m;
  const all = BigInt(`${whole || "0"}${fixed}${repeat}`);
  const head = BigInt(`${whole || "0"}${fixed}`);
  const den = 10n ** BigInt(fixed.length + repeat.length) - 10n ** BigInt(fixed.length);
  return `${sign}(${all - head}/${den})`;
}

/**
 * "x = 1/3 \approx 0.33" → "x = 1/3": from the leftmost `=` that an `\approx` follows with no `=` between,
 * the approximation is dropped (as `/(=[^=]*?)\s*\\approx.*$/` did, in one pass).
 */
function dropApproximationAfterEquals(s: string): string {
  for (let eq = s.indexOf("="); eq >= 0; eq = s.indexOf("=", eq + 1)) {
    const approx = s.indexOf("\\approx", eq);
    if (approx < 0) return s;
    const nextEq = s.indexOf("=", eq + 1);
    if (nextEq < 0 || approx < nextEq) return s.slice(0, approx).trimEnd();
  }
  return s;
}

/**
 * "\frac{1}{3} \approx 0.33" → "\frac{1}{3}": a number before the approximation is the exact answer, when
 * no relation comes first and no variable is in it (as `/^([^=<>]*\d[^=<>]*?)\s*\\approx.*$/` did).
 */
function dropApproximationAfterNumber(s: string): string {
  const relation = s.search(/[=<>]/);
  const scope = relation < 0 ? s : s.slice(0, relation);
  // The last `\approx` with a digit before it, then the first `\approx` after that digit.
  const last = scope.lastIndexOf("\\approx");
  if (last < 0) return s;
  let digit = last - 1;
  while (digit >= 0 && !(scope[digit] >= "0" && scope[digit] <= "9")) digit--;
  if (digit < 0) return s;
  const exact = scope.slice(0, scope.indexOf("\\approx", digit)).trimEnd();
  return /[A-Za-z]/.test(exact.replace(/\\[A-Za-z]+/g, "")) ? s : exact;
}

/**
 * "5 cm", "1,000.99 dollars", "3 apples^2": trailing unit words after a number or closing bracket go
 * (as `/([\d)}])\s+[A-Za-z]{2,}(?:[\s^]+[A-Za-z\d]+)*\.?$/` removed them, in one backward pass).
 */
function dropTrailingUnitWords(s: string): string {
  let end = s.length;
  if (s[end - 1] === ".") end--;
  if (end === 0 || !/[A-Za-z\d]/.test(s[end - 1])) return s;
  let start = end;
  while (start > 0 && /[A-Za-z\d\s^]/.test(s[start - 1])) start--;
  // Tokens left to right: the first word of 2+ letters after plain space, after a digit or bracket.
  const tail = s.slice(start, end);
  // "5 or 6", "5 apples and 6 pears": a list or a hedge, not a number with its unit.
  if (/\b(?:and|or|either|neither|nor)\b/i.test(tail)) return s;
  const word = /(?<=^|[\s^])([A-Za-z]{2,})(?=[\s^]|$)/g;
  for (let m = word.exec(tail); m !== null; m = word.exec(tail)) {
    let space = start + m.index;
    while (space > 0 && /\s/.test(s[space - 1])) space--;
    if (space === start + m.index || s.slice(space, start + m.index).includes("^")) continue;
    const before = s[space - 1];
    if (space > 0 && /[\d)}]/.test(before)) return s.slice(0, space);
  }
  return s;
}

/** "5.;" → "5": trailing full stops and semicolons, and the space before them. */
function dropTrailingStops(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === "." || s[end - 1] === ";")) end--;
  return end === s.length ? s : s.slice(0, end).trimEnd();
}

/** Clean-up of one answer string. Idempotent. */
export function normalizeAnswer(raw: string): string {
  // Runs of whitespace are one space (one newline if they hold one): no rule below can then spend
  // time proportional to a run's length at each of its positions.
  let s = raw.replace(/\s+/g, (ws) => (ws.includes("\n") ? "\n" : " "));
  // A doubled backslash before a command name is an escaping slip (`\\frac` written for `\frac`).
  s = s.replace(/(?<!\\)\\\\(?=[A-Za-z])/g, "\\");
  for (const [re, to] of UNICODE) s = s.replace(re, to);
  // LaTeX thousands separators: `14{,}916`, `10,\!000`.
  s = s.replace(/(\d)\s*\{\s*,\s*\}\s*(?=\d{3})/g, "$1").replace(/(\d),\s*\\!\s*(?=\d{3})/g, "$1");
  // Nested \boxed inside an extracted answer: keep the content.
  s = replaceCommandArgs(s, /\\(?:boxed|fbox)\s*\{/g, (inner) => inner);
  s = s
    .replace(/\\[dtc]frac/g, "\\frac")
    .replace(/\\(?:left|right)\s*\\?([()[\]{}|.])/g, (_m, d: string) =>
      d === "." ? "" : d === "{" || d === "}" ? `\\${d}` : d,
    )
    .replace(/\\(?:left|right|[bB]igg?[lr]?|displaystyle|textstyle|limits)(?![A-Za-z])/g, "");
  // "x = 1/3 \approx 0.33": the exact value is the answer; a lone "x \approx 11" reads as "x = 11".
  if (s.includes("\\approx")) s = dropApproximationAfterNumber(dropApproximationAfterEquals(s));
  s = s
    .replace(/\\approx|\\simeq|\\equiv/g, "=")
    .replace(/\\lbrace/g, "\\{")
    .replace(/\\rbrace/g, "\\}")
    .replace(/\\langle/g, "(")
    .replace(/\\rangle/g, ")")
    .replace(/\\[lr]vert|\\vert/g, "|")
    .replace(/(?<!\\)\\(?:!|,|;|:|>|quad|qquad)/g, " ")
    .replace(/(?<!\\)\\ /g, " ")
    .replace(/~/g, " ")
    .replace(/\{,\}/g, "")
    // Degrees are stripped: "90^\circ" → "90" (answers in degrees are compared as numbers).
    .replace(/\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree/g, "")
    .replace(/\\\$|\$/g, "")
    .replace(/\\text\s*\{\s*(?:and|or)\s*\}/g, ",")
    .replace(/\b(?:percent(?:age)?|pct)\b/gi, "\\%")
    .replace(/\binfinity\b/gi, "\\infty ");
  // A text command after some math is a unit ("5\text{ cm}"); on its own it is the answer ("\text{Evelyn}").
  s = replaceCommandArgs(s, TEXT_COMMANDS, (inner, before) => {
    const word = inner.trim();
    if (/[0-9A-Za-z)}]/.test(before.trimEnd().slice(-1)) && /^[A-Za-z][A-Za-z\s.^\d/-]*$/.test(word))
      return UNIT;
    return word;
  });
  if (s.includes("\\overline"))
    s = s.replace(/(?<![\d.])(-?)(\d*)\.(\d*)\\overline\{(\d+)\}/g, repeatingDecimal);
  // The reals as a set: "\mathbb{R}" is the interval (-∞, ∞).
  s = s.replace(/^\s*(?:[a-z]\s*\\in\s*)?\\mathbb\s*\{?\s*R\s*\}?\s*$/, "(-\\infty, \\infty)");
  // "{n \choose k}" is "\binom{n}{k}".
  if (s.includes("\\choose")) s = s.replace(/\{\s*([^{}]+?)\s*\\choose\s*([^{}]+?)\s*\}/g, "\\binom{$1}{$2}");
  s = replaceCommandArgs(s, STYLE_COMMANDS, (inner) => inner);
  // A dropped unit takes its power with it: "15\mbox{ cm}^2" → "15".
  s = s.replace(/\uE000\s*(?:\^\s*(?:\{\s*\d\s*\}|\d))?/g, " ");
  s = s.replace(/\\%|%/g, "\\%");
  // Spacing commands and dropped units leave runs of spaces behind: one space again.
  s = s.replace(/\s+/g, (ws) => (ws.includes("\n") ? "\n" : " "));
  // Ordinals and "x10^" scientific notation: "5^{\text{th}}" → "5", "1.5 x 10^3" → "1.5\times10^3".
  s = s
    .replace(/(\d)\s*(?:\^\s*\{?\s*(?:st|nd|rd|th)\s*\}?|(?:st|nd|rd|th)\b)/g, "$1")
    .replace(/(\d)\s*[x×]\s*10\s*\^/g, "$1\\times10^")
    .replace(/,?\s*\\(?:l|c)?dots\s*/g, "");
  s = s.trim();
  // Trailing unit words after a number or closing bracket: "5 cm", "1,000.99 dollars", "3 apples".
  // (Not in an integral, whose "dx" is no unit.)
  if (!s.includes("\\int")) s = dropTrailingUnitWords(s);
  // Single-letter units after a spaced number: "5 m", "12 g", "3 h" (not "2x" or "x + y").
  s = s.replace(/(\d)\s+[mgshlt]\.?$/, "$1");
  // Currency and unit symbols glued to numbers.
  s = s.replace(/[€£¥₹]/g, "").replace(/(\d)\s*(?:m²|cm²|km²)/g, "$1");
  s = dropTrailingStops(s).trim();
  s = s.replace(/\s*(?<![A-Za-z\\])(?:and|or)(?![A-Za-z])\s*/g, ", ").replace(/,(?:\s*,)+/g, ",");
  // Thousands separators, only where unambiguous: "7,425,000", "1 000", "16,386.20".
  if (!/[([{]/.test(s))
    s = s.replace(/(?<![\d.,])-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\d,])/g, (m) => m.replace(/,/g, ""));
  if (/^-?\d{1,3}(?: \d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/ /g, "");
  // A decimal comma, where it cannot be a list: "0,111", "1,22", "1000,99" (not "1,2" or "-2,1").
  if (/^-?(?:0,\d+|\d+,\d\d)$/.test(s)) s = s.replace(",", ".");
  // Solutions as assignment groups: "p=5,q=2;p=7,q=2" are the tuples (5, 2), (7, 2).
  if (s.includes(";") && ASSIGNMENT_GROUPS.test(s)) {
    s = s
      .split(";")
      .map(
        (group) =>
          `(${group
            .split(",")
            .map((a) => a.split("=")[1].trim())
            .join(", ")})`,
      )
      .join(", ");
  }
  // Mixed numbers: "4 4/9", "2\frac{1}{2}" and "2\frac12" are 4 + 4/9 and 2 + 1/2 (an integer glued to a
  // numeric fraction; latex2sympy's mixed fractions, as Math-Verify reads them; "3.1\frac12" is a product).
  s = s
    .replace(
      /(^|[^\d./)}\w^_])([+-]?)(\d+)\s*\\frac(?:\{(\d+)\}|(\d))(?:\{(\d+)\}|(\d))/g,
      "$1$2($3+\\frac{$4$5}{$6$7})",
    )
    .replace(/(^|[^\d./)}\w^_])([+-]?)(\d+) +(\d+)\/(\d+)(?![\d/.])/g, "$1$2($3+$4/$5)");
  return s;
}
