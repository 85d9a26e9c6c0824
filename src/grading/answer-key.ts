/**
 * `answerKey`: the canonical string that equivalent answers share, so voting counts `1/2`, `\frac12` and
 * `0.5` as one answer. Synchronous and cheap: strategies call it on every sample.
 *
 * Numbers key by their exact reduced fraction ("1/2"); expressions by their values at fixed rational
 * points (so "x^2-1" and "(x-1)(x+1)" share a key); sets by their sorted element keys; tuples and
 * intervals keep order and brackets; an assignment "x = 3" keys like "3", as the grader treats them.
 */
import { EvaluationError, evaluate, freeSymbols, isExact, samplePoint, type Value } from "./evaluate.ts";
import { extractAnswer } from "./extract-answer.ts";
import type { MathNode } from "./math-ast.ts";
import { normalizeAnswer } from "./normalize-answer.ts";
import { ParseError, parseMath } from "./parse-math.ts";
import { toKey } from "./rational.ts";
import type { GradeOptions } from "./types.ts";

/** Points used to fingerprint expressions with variables. */
const KEY_POINTS = 3;
/** Significant digits kept of values computed in floating point. */
const FLOAT_DIGITS = 12;

/** The canonical key of the answer in `text`, or null when there is no answer. */
export function answerKey(text: string, options: GradeOptions = {}): string | null {
  const answer = extractAnswer(String(text ?? ""), options);
  if (answer === null) return null;
  return keyOfAnswer(answer, options);
}

/** The key of an already extracted answer. */
export function keyOfAnswer(answer: string, options: GradeOptions = {}): string {
  const kind = options.kind ?? "math";
  if (kind === "choice") return answer.trim().toUpperCase();
  const text = normalizeAnswer(answer);
  if (kind === "text" || kind === "code") return text.replace(/\s+/g, " ").toLowerCase();
  try {
    return keyOf(parseMath(answer, { percentAsFraction: options.percentAsFraction ?? true }));
  } catch (error) {
    if (error instanceof ParseError || error instanceof EvaluationError || error instanceof RangeError) {
      return text.replace(/\s+/g, "");
    }
    throw error;
  }
}

function formatFloat(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "oo" : x < 0 ? "-oo" : "nan";
  const rounded = Number(x.toPrecision(FLOAT_DIGITS));
  // Values that are integers up to float noise (log_2 8 = 2.9999999999999996) key as integers.
  return Number.isInteger(rounded) ? String(rounded) : `~${rounded}`;
}

function valueKey(v: Value): string {
  if (isExact(v)) return toKey(v.q);
  const re = formatFloat(v.re);
  if (Math.abs(v.im) < 1e-12 * Math.max(1, Math.abs(v.re))) return re;
  return `${re}${v.im < 0 ? "-" : "+"}${formatFloat(Math.abs(v.im))}i`;
}

function scalarKey(node: MathNode): string {
  const symbols = [...freeSymbols(node)].sort();
  if (symbols.length === 0) return valueKey(evaluate(node, new Map()));
  const values: string[] = [];
  for (let trial = 0; trial < KEY_POINTS; trial++) {
    try {
      values.push(valueKey(evaluate(node, samplePoint(symbols, trial))));
    } catch (error) {
      if (!(error instanceof EvaluationError)) throw error;
      values.push("undefined");
    }
  }
  // A constant function ("\sin^2 x + \cos^2 x") keys like its value, as the grader compares it.
  if (values.every((v) => v === values[0]) && values[0] !== "undefined") return values[0];
  return `f(${symbols.join(",")})=${values.join(";")}`;
}

function keyOf(node: MathNode): string {
  switch (node.k) {
    case "text":
      return node.s;
    case "seq": {
      const keys = node.items.map(keyOf);
      if (node.open === "{" || node.open === "") {
        if (keys.length === 1) return keys[0];
        return `{${keys.sort().join(",")}}`;
      }
      return `${node.open}${keys.join(",")}${node.close}`;
    }
    case "union":
      return node.items.map(keyOf).sort().join("∪");
    case "matrix":
      return `[${node.rows.map((r) => r.map(keyOf).join(",")).join(";")}]`;
    case "rel": {
      const isEq = node.ops.every((op) => op === "=");
      // An assignment keys like its value: "x = 3" and "3" are the same answer to the grader.
      if (isEq && (node.terms[0].k === "sym" || node.terms.length > 2))
        return keyOf(node.terms[node.terms.length - 1]);
      return node.terms.map(keyOf).reduce((acc, k, i) => `${acc}${node.ops[i - 1]}${k}`);
    }
    case "pm":
      return `{${[keyOf({ k: "add", args: [node.a, node.b] }), keyOf(node.a)].join("±")}}`;
    default:
      return scalarKey(node);
  }
}
