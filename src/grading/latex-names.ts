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

/** The node with its first `±` read as `+` and as `−`; null when it has none. */
function splitPm(node: MathNode): [MathNode, MathNode] | null {
  switch (node.k) {
    case "pm": {
      const [plus, minus] = expandPm(node);
      return [plus, minus];
    }
    case "add":
    case "mul":
    case "fn":
      for (let i = 0; i < node.args.length; i++) {
        const split = splitPm(node.args[i]);
        if (split) {
          const withArg = (arg: MathNode) => ({
            ...node,
            args: node.args.map((a, j) => (j === i ? arg : a)),
          });
          return [withArg(split[0]), withArg(split[1])];
        }
      }
      return null;
    case "pow": {
      const base = splitPm(node.base);
      if (base)
        return [
          { ...node, base: base[0] },
          { ...node, base: base[1] },
        ];
      const exp = splitPm(node.exp);
      return exp
        ? [
            { ...node, exp: exp[0] },
            { ...node, exp: exp[1] },
          ]
        : null;
    }
    default:
      return null;
  }
}

/** Most `±` signs expanded in one answer: 2^4 values are already more than any answer lists. */
const MAX_PM_SIGNS = 4;

/**
 * Every value a `±` answer stands for, wherever the sign sits: "\frac{-1 \pm \sqrt{13}}{4}" →
 * [(−1 + √13)/4, (−1 − √13)/4]. A node without `±` is its own only value.
 */
export function expandAllPm(node: MathNode, depth = 0): MathNode[] {
  const split = depth < MAX_PM_SIGNS ? splitPm(node) : null;
  return split ? split.flatMap((n) => expandAllPm(n, depth + 1)) : [node];
}
