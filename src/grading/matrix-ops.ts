/**
 * Matrix arithmetic on the AST: "A + B", "2A", "AB" with literal matrices become one matrix whose cells
 * are expressions, so "\begin{pmatrix}1&2\\3&4\end{pmatrix} + \begin{pmatrix}5&6\\7&8\end{pmatrix}"
 * compares equal to the matrix of sums. Anything else is returned unchanged.
 */
import type { MathNode } from "./math-ast.ts";
import type { WorkBudget } from "./work-budget.ts";

type Matrix = Extract<MathNode, { k: "matrix" }>;

function containsMatrix(node: MathNode): boolean {
  if (node.k === "matrix") return true;
  if (node.k === "add" || node.k === "mul") return node.args.some(containsMatrix);
  return false;
}

function product(a: Matrix, b: Matrix, budget: WorkBudget): Matrix | null {
  const inner = a.rows[0].length;
  if (inner !== b.rows.length) return null;
  budget.spend(a.rows.length * b.rows[0].length * inner);
  const rows = a.rows.map((row) =>
    b.rows[0].map(
      (_, j): MathNode => ({
        k: "add",
        args: row.map((cell, t) => ({ k: "mul", args: [cell, b.rows[t][j]] })),
      }),
    ),
  );
  return { k: "matrix", rows };
}

function scale(s: MathNode, m: Matrix, budget: WorkBudget): Matrix {
  budget.spend(m.rows.length * m.rows[0].length);
  return {
    k: "matrix",
    rows: m.rows.map((row) => row.map((cell): MathNode => ({ k: "mul", args: [s, cell] }))),
  };
}

/**
 * Folds sums and products that involve literal matrices; null when the shapes do not fit. The cells
 * it creates are charged to `budget` (a chain of products multiplies their size).
 */
export function foldMatrices(node: MathNode, budget: WorkBudget): MathNode | null {
  if (!containsMatrix(node) || node.k === "matrix") return node;
  if (node.k !== "add" && node.k !== "mul") return node;
  const args = node.args.map((arg) => foldMatrices(arg, budget));
  if (args.some((a) => a === null)) return null;
  let acc: MathNode | null = null;
  for (const arg of args as MathNode[]) {
    if (acc === null) {
      acc = arg;
      continue;
    }
    if (node.k === "add") {
      if (acc.k !== "matrix" || arg.k !== "matrix") return null;
      const a: Matrix = acc;
      budget.spend(a.rows.length * a.rows[0].length);
      if (a.rows.length !== arg.rows.length || a.rows[0].length !== arg.rows[0].length) return null;
      acc = {
        k: "matrix",
        rows: a.rows.map((row, i) =>
          row.map((cell, j): MathNode => ({ k: "add", args: [cell, arg.rows[i][j]] })),
        ),
      };
    } else if (acc.k === "matrix" && arg.k === "matrix") {
      acc = product(acc, arg, budget);
      if (acc === null) return null;
    } else if (acc.k === "matrix") {
      acc = scale(arg, acc, budget);
    } else if (arg.k === "matrix") {
      acc = scale(acc, arg, budget);
    } else {
      acc = { k: "mul", args: [acc, arg] };
    }
  }
  return acc;
}
