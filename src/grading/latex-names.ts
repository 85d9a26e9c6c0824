/**
 * Names the math parser knows: functions, Greek letters, relation commands, and node helpers.
 */
import type { MathNode, RelOp } from "./math-ast.ts";
import { rat } from "./rational.ts";

export const FUNCTIONS = new Set([
  "sin",
  "cos",
  "tan",
  "cot",
  "sec",
  "csc",
  "arcsin",
  "arccos",
  "arctan",
  "sinh",
  "cosh",
  "tanh",
  "ln",
  "log",
  "exp",
]);
export const GREEK = new Set(
  "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Sigma Phi Psi Omega".split(
    " ",
  ),
);
export const REL_CMDS: Record<string, RelOp> = {
  le: "<=",
  leq: "<=",
  leqslant: "<=",
  ge: ">=",
  geq: ">=",
  geqslant: ">=",
  ne: "!=",
  neq: "!=",
  lt: "<",
  gt: ">",
  in: "in",
};
export const NUM = (n: bigint, d = 1n): MathNode => ({ k: "num", v: rat(n, d), decimal: false });
export const neg = (x: MathNode): MathNode => ({ k: "mul", args: [NUM(-1n), x] });

/** `a ± b` as the pair {a + b, a − b}. */
export function expandPm(node: Extract<MathNode, { k: "pm" }>): MathNode[] {
  return [
    { k: "add", args: [node.a, node.b] },
    { k: "add", args: [node.a, neg(node.b)] },
  ];
}
