/**
 * The small math AST our own parser produces. Type-only. Deliberately small: the answers graders meet
 * are numbers, fractions, radicals, short expressions, sets, tuples, intervals, matrices and equations.
 */
import type { Rational } from "./rational.ts";

export type RelOp = "=" | "<" | "<=" | ">" | ">=" | "!=" | "in";

export type MathNode =
  /** An exact number; `decimal` marks a literal written with a decimal point (the 6-decimal convention). */
  | { k: "num"; v: Rational; decimal: boolean }
  /** A free variable, e.g. `x`, `x_1`, `\alpha`. */
  | { k: "sym"; name: string }
  /** π, e, the imaginary unit, ∞. */
  | { k: "const"; name: "pi" | "e" | "i" | "inf" }
  | { k: "add"; args: MathNode[] }
  | { k: "mul"; args: MathNode[] }
  | { k: "pow"; base: MathNode; exp: MathNode }
  /** Named functions: sqrt, root (args: [x, n]), sin, ln, log (args: [x, base?]), abs, factorial, … */
  | { k: "fn"; name: string; args: MathNode[] }
  /** `a ± b` before expansion into the set {a + b, a − b}. */
  | { k: "pm"; a: MathNode; b: MathNode }
  /**
   * A bracketed or bare comma list. `open`/`close` are the brackets as written ("" for a bare list
   * `1, 2`): `{…}` is a set, `(a, b)` a tuple or open interval, `[a, b)` an interval.
   */
  | { k: "seq"; open: "" | "(" | "[" | "{"; close: "" | ")" | "]" | "}"; items: MathNode[] }
  | { k: "union"; items: MathNode[] }
  | { k: "matrix"; rows: MathNode[][] }
  /** A relation chain: terms[0] ops[0] terms[1] ops[1] terms[2] … */
  | { k: "rel"; ops: RelOp[]; terms: MathNode[] }
  /** A word answer such as "Evelyn" or "yes", compared case-insensitively. */
  | { k: "text"; s: string };
