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

/** "0.1\overline{6}" → "(15/90)": a repeating decimal as the exact fraction it denotes. */
function repeatingDecimal(_m: string, sign: string, whole: string, fixed: string, repeat: string): string {
  const all = BigInt(`${whole || "0"}${fixed}${repeat}`);
  const head = BigInt(`${whole || "0"}${fixed}`);
  const den = 10n ** BigInt(fixed.length + repeat.length) - 10n ** BigInt(fixed.length);
  return `${sign}(${all - head}/${den})`;
}

/** Clean-up of one answer string. Idempotent. */
export function normalizeAnswer(raw: string): string {
  // A doubled backslash before a command name is an escaping slip (`\\frac` written for `\frac`).
  let s = raw.replace(/(?<!\\)\\\\(?=[A-Za-z])/g, "\\");
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
    .replace(/\\(?:left|right|[bB]igg?[lr]?|displaystyle|textstyle|limits)(?![A-Za-z])/g, "")
    // "x = 1/3 \approx 0.33": the exact value is the answer; a lone "x \approx 11" reads as "x = 11".
    .replace(/(=[^=]*?)\s*\\approx.*$/, "$1")
    // "\frac{1}{3} \approx 0.33": a number before the approximation is the exact answer.
    .replace(/^([^=<>]*\d[^=<>]*?)\s*\\approx.*$/, (m, exact: string) =>
      /[A-Za-z]/.test(exact.replace(/\\[A-Za-z]+/g, "")) ? m : exact,
    )
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
    if (/[0-9A-Za-z)}]\s*$/.test(before) && /^[A-Za-z][A-Za-z\s.^\d/-]*$/.test(word)) return UNIT;
    return word;
  });
  if (s.includes("\\overline"))
    s = s.replace(/(?<![\d.])(-?)(\d*)\.(\d*)\\overline\{(\d+)\}/g, repeatingDecimal);
  // The reals as a set: "\mathbb{R}" is the interval (-∞, ∞).
  s = s.replace(/^\s*(?:[a-z]\s*\\in\s*)?\\mathbb\s*\{?\s*R\s*\}?\s*$/, "(-\\infty, \\infty)");
  // "{n \choose k}" is "\binom{n}{k}".
  s = s.replace(/\{\s*([^{}]+?)\s*\\choose\s*([^{}]+?)\s*\}/g, "\\binom{$1}{$2}");
  s = replaceCommandArgs(s, STYLE_COMMANDS, (inner) => inner);
  // A dropped unit takes its power with it: "15\mbox{ cm}^2" → "15".
  s = s.replace(/\uE000\s*(?:\^\s*(?:\{\s*\d\s*\}|\d))?/g, " ");
  s = s.replace(/\\%|%/g, "\\%");
  // Ordinals and "x10^" scientific notation: "5^{\text{th}}" → "5", "1.5 x 10^3" → "1.5\times10^3".
  s = s
    .replace(/(\d)\s*(?:\^\s*\{?\s*(?:st|nd|rd|th)\s*\}?|(?:st|nd|rd|th)\b)/g, "$1")
    .replace(/(\d)\s*[x×]\s*10\s*\^/g, "$1\\times10^")
    .replace(/,?\s*\\(?:l|c)?dots\s*/g, "");
  s = s.trim();
  // Trailing unit words after a number or closing bracket: "5 cm", "1,000.99 dollars", "3 apples".
  // (Not in an integral, whose "dx" is no unit.)
  if (!s.includes("\\int")) s = s.replace(/([\d)}])\s+[A-Za-z]{2,}(?:[\s^]+[A-Za-z\d]+)*\.?$/, "$1");
  // Single-letter units after a spaced number: "5 m", "12 g", "3 h" (not "2x" or "x + y").
  s = s.replace(/(\d)\s+[mgshlt]\.?$/, "$1");
  // Currency and unit symbols glued to numbers.
  s = s.replace(/[€£¥₹]/g, "").replace(/(\d)\s*(?:m²|cm²|km²)/g, "$1");
  s = s.replace(/\s*[.;]+$/, "").trim();
  s = s.replace(/\s*(?<![A-Za-z\\])(?:and|or)(?![A-Za-z])\s*/g, ", ").replace(/,(?:\s*,)+/g, ",");
  // Thousands separators, only where unambiguous: "7,425,000", "1 000", "16,386.20".
  s = s.replace(/(?<![\d.,])-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\d,])/g, (m) =>
    /[([{]/.test(s) ? m : m.replace(/,/g, ""),
  );
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
  // Mixed numbers: "4 4/9" and "2\frac{1}{2}" are 4 + 4/9 and 2 + 1/2 (an integer glued to a numeric fraction).
  s = s
    .replace(/(^|[^\d./)}\w^_])([+-]?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}/g, "$1$2($3+\\frac{$4}{$5})")
    .replace(/(^|[^\d./)}\w^_])([+-]?)(\d+) +(\d+)\/(\d+)(?![\d/.])/g, "$1$2($3+$4/$5)");
  return s;
}
