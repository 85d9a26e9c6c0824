/**
 * `answerKey`: the canonical string that equivalent answers share, so voting counts `1/2`, `\frac12` and
 * `0.5` as one answer. Synchronous and bounded: strategies call it on every sample, on the event loop,
 * so it does a fixed amount of work at most (a WorkBudget; a longer answer keys by its text).
 *
 * Numbers key by their exact reduced fraction ("1/2"); expressions by their values at points secret to
 * this process (so "x^2-1" and "(x-1)(x+1)" share a key, and no answer can be built to share another's);
 * sets by their sorted element keys; tuples and intervals keep order and brackets; an assignment "x = 3"
 * keys like "3", as the grader treats it. Keys never merge answers the grader tells apart: floats key at
 * 14 digits only when their error is small, and anything unreadable keys by its normalised text.
 */
import { createHash } from "node:crypto";
import { EvaluationError, evaluate, freeSymbols, isExact, type Value } from "./evaluate.ts";
import { extractAnswer } from "./extract-answer.ts";
import type { MathNode } from "./math-ast.ts";
import { normalizeAnswer } from "./normalize-answer.ts";
import { MAX_ANSWER_CHARS, ParseError, parseMath } from "./parse-math.ts";
import { toKey } from "./rational.ts";
import { chainConstants, isSymbolsOnly } from "./relations.ts";
import { keyPoint } from "./sample-points.ts";
import type { GradeOptions } from "./types.ts";
import { WorkBudget, WorkLimitError } from "./work-budget.ts";

/** Points used to fingerprint expressions with variables. */
const KEY_POINTS = 4;
/** Significant digits kept of values computed in floating point: no looser than the grader's 1e-13. */
const FLOAT_DIGITS = 14;
/** A float whose error bound exceeds this share of its size (or 1e-12 near 0) keys by its text. */
const MAX_RELATIVE_ERROR = 1e-6;
const MAX_ABSOLUTE_ERROR = 1e-12;
/** Keys longer than this are shortened to a prefix and a digest (a 20k-element set, a huge number). */
const MAX_KEY_CHARS = 256;

/** The canonical key of the answer in `text`, or null when there is no answer. */
export function answerKey(text: string, options: GradeOptions = {}): string | null {
  const answer = extractAnswer(String(text ?? ""), options);
  if (answer === null) return null;
  return keyOfAnswer(answer, options);
}

/** The key of an already extracted answer. */
export function keyOfAnswer(answer: string, options: GradeOptions = {}): string {
  return shorten(rawKey(answer, options));
}

function rawKey(answer: string, options: GradeOptions): string {
  const kind = options.kind ?? "math";
  if (kind === "choice") return answer.trim().toUpperCase();
  // Too long to read as math: the text as written is the key (whitespace aside).
  if (answer.length > MAX_ANSWER_CHARS) return answer.replace(/\s+/g, "");
  const text = normalizeAnswer(answer);
  if (kind === "text" || kind === "code") return text.replace(/\s+/g, " ").toLowerCase();
  const budget = new WorkBudget();
  try {
    const percentAsFraction = options.percentAsFraction ?? true;
    return keyOf(parseMath(text, { percentAsFraction, budget, normalized: true }), budget);
  } catch (error) {
    if (
      error instanceof ParseError ||
      error instanceof EvaluationError ||
      error instanceof RangeError ||
      error instanceof WorkLimitError
    ) {
      return text.replace(/\s+/g, "");
    }
    throw error;
  }
}

function shorten(key: string): string {
  if (key.length <= MAX_KEY_CHARS) return key;
  const digest = createHash("sha256").update(key).digest("base64url").slice(0, 22);
  return `${key.slice(0, 32)}…#${digest}`;
}

function formatFloat(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "oo" : x < 0 ? "-oo" : "nan";
  const rounded = Number(x.toPrecision(FLOAT_DIGITS));
  // Values that are integers up to float noise (log_2 8 = 2.9999999999999996) key as integers.
  return Number.isInteger(rounded) ? String(rounded) : `~${rounded}`;
}

function valueKey(v: Value): string {
  if (isExact(v)) return toKey(v.q);
  // An over/underflowed or imprecise float could stand for many values: it keys by its text instead.
  const size = Math.hypot(v.re, v.im);
  if (v.lost || !(v.err <= MAX_RELATIVE_ERROR * size + MAX_ABSOLUTE_ERROR) || Number.isNaN(size))
    throw new EvaluationError("no exact key");
  const re = formatFloat(v.re);
  if (Math.abs(v.im) <= v.err) return re;
  return `${re}${v.im < 0 ? "-" : "+"}${formatFloat(Math.abs(v.im))}i`;
}

function scalarKey(node: MathNode, budget: WorkBudget): string {
  const symbols = [...freeSymbols(node)].sort();
  if (symbols.length === 0) return valueKey(evaluate(node, new Map(), budget));
  const values: string[] = [];
  for (let trial = 0; trial < KEY_POINTS; trial++) {
    try {
      values.push(valueKey(evaluate(node, keyPoint(symbols, trial), budget)));
    } catch (error) {
      if (!(error instanceof EvaluationError || error instanceof RangeError)) throw error;
      values.push("undefined");
    }
  }
  // A constant function ("\sin^2 x + \cos^2 x") keys like its value, as the grader compares it.
  if (values.every((v) => v === values[0]) && values[0] !== "undefined") return values[0];
  return `f(${symbols.join(",")})=${values.join(";")}`;
}

function keyOf(node: MathNode, budget: WorkBudget): string {
  switch (node.k) {
    case "text":
      return node.s;
    case "seq": {
      const keys = node.items.map((item) => keyOf(item, budget));
      if (node.open === "{" || node.open === "") {
        if (keys.length === 1) return keys[0];
        return `{${keys.sort().join(",")}}`;
      }
      return `${node.open}${keys.join(",")}${node.close}`;
    }
    case "union":
      return node.items
        .map((item) => keyOf(item, budget))
        .sort()
        .join("∪");
    case "matrix":
      return `[${node.rows.map((r) => r.map((cell) => keyOf(cell, budget)).join(",")).join(";")}]`;
    case "rel": {
      const keys = node.terms.map((term) => keyOf(term, budget));
      const isEq = node.ops.every((op) => op === "=");
      // An assignment keys like its value ("x = 3" and "3" are the same answer to the grader; a chain
      // "x = 5 + 5 + 1 = 11" by its last side), and so does a true equation ("2 + 2 = 4"); a false one
      // ("2 + 2 = 5") keys as written, as the grader judges it as a whole.
      const assignment = node.terms[0].k === "sym" || (node.terms.length > 2 && isSymbolsOnly(node.terms[0]));
      const constants = chainConstants(node);
      const trueEquation =
        constants.length === node.terms.length && new Set(constants.map((t) => keyOf(t, budget))).size === 1;
      if (isEq && (assignment || trueEquation)) return keys[keys.length - 1];
      return keys.reduce((acc, k, i) => `${acc}${node.ops[i - 1]}${k}`);
    }
    case "pm":
      return `{${[keyOf({ k: "add", args: [node.a, node.b] }, budget), keyOf(node.a, budget)].join("±")}}`;
    default:
      return scalarKey(node, budget);
  }
}
