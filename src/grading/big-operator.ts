/**
 * `\sum` and `\prod` with integer bounds, written out term by term so the rest of the grader sees plain
 * arithmetic: "\sum_{k=1}^{4} k^2" → 1^2 + 2^2 + 3^2 + 4^2 = 30. Symbolic bounds ("\sum_{k=0}^{n-1}")
 * are not math we can compare; they fail to parse and the answer is compared as text.
 */

import { NUM } from "./latex-names.ts";
import type { MathNode } from "./math-ast.ts";
import { ParseError } from "./token-cursor.ts";
import type { WorkBudget } from "./work-budget.ts";

/** Most terms written out: beyond this a sum is not an answer a model writes by hand. */
const MAX_TERMS = 1000n;
/** Most nodes one expansion may create (terms × body size): nested sums multiply. */
const MAX_EXPANDED_NODES = 200_000;

/** Nodes in a tree, counting no further than `cap`. */
function size(node: MathNode, cap: number): number {
  let count = 0;
  const stack: MathNode[] = [node];
  while (stack.length > 0 && count <= cap) {
    const n = stack.pop()!;
    count++;
    switch (n.k) {
      case "add":
      case "mul":
      case "fn":
        stack.push(...n.args);
        break;
      case "pow":
        stack.push(n.base, n.exp);
        break;
      case "pm":
        stack.push(n.a, n.b);
        break;
      case "seq":
      case "union":
        stack.push(...n.items);
        break;
      case "matrix":
        for (const row of n.rows) stack.push(...row);
        break;
      case "rel":
        stack.push(...n.terms);
        break;
      default:
        break;
    }
  }
  return count;
}

/**
 * The node with every free `name` replaced by `value` (the AST is plain data: copy what changes). An
 * index named `i` or `e` parses as a constant, so constants of that name are replaced too.
 */
export function substitute(node: MathNode, name: string, value: MathNode): MathNode {
  switch (node.k) {
    case "sym":
    case "const":
      return node.name === name ? value : node;
    case "add":
    case "mul":
    case "fn":
    case "union":
      return node.k === "union"
        ? { ...node, items: node.items.map((n) => substitute(n, name, value)) }
        : { ...node, args: node.args.map((n) => substitute(n, name, value)) };
    case "pow":
      return { ...node, base: substitute(node.base, name, value), exp: substitute(node.exp, name, value) };
    case "pm":
      return { ...node, a: substitute(node.a, name, value), b: substitute(node.b, name, value) };
    case "seq":
      return { ...node, items: node.items.map((n) => substitute(n, name, value)) };
    case "matrix":
      return { ...node, rows: node.rows.map((row) => row.map((n) => substitute(n, name, value))) };
    case "rel":
      return { ...node, terms: node.terms.map((n) => substitute(n, name, value)) };
    default:
      return node;
  }
}

function integerBound(node: MathNode): bigint {
  if (node.k === "num" && node.v.d === 1n) return node.v.n;
  // "-1" parses as (-1)·1.
  if (node.k === "mul" && node.args.every((a) => a.k === "num" && a.v.d === 1n))
    return node.args.reduce((p, a) => p * (a.k === "num" ? a.v.n : 1n), 1n);
  throw new ParseError("sum bounds must be integers");
}

/**
 * `lower` is the index assignment (`k=1`), `upper` the last index, `body` the summand or factor. The
 * nodes written out are charged to `budget`.
 */
export function expandBigOperator(
  kind: "sum" | "prod",
  lower: MathNode,
  upper: MathNode,
  body: MathNode,
  budget: WorkBudget,
): MathNode {
  const variable =
    lower.k === "rel" && lower.ops.length === 1 && lower.ops[0] === "=" ? lower.terms[0] : null;
  if (!variable || !(variable.k === "sym" || (variable.k === "const" && variable.name !== "inf")))
    throw new ParseError(`\\${kind} needs an index such as k=1`);
  const index = variable.name;
  const from = integerBound((lower as Extract<MathNode, { k: "rel" }>).terms[1]);
  const to = integerBound(upper);
  if (to - from + 1n > MAX_TERMS) throw new ParseError(`\\${kind} has too many terms`);
  const count = to < from ? 0 : Number(to - from + 1n);
  const nodes = count * size(body, MAX_EXPANDED_NODES);
  if (nodes > MAX_EXPANDED_NODES) throw new ParseError(`\\${kind} expands too far`);
  budget.spend(nodes);
  const terms: MathNode[] = [];
  for (let i = from; i <= to; i++) terms.push(substitute(body, index, NUM(i)));
  // An empty sum is 0 and an empty product 1, by convention.
  if (terms.length === 0) return NUM(kind === "sum" ? 0n : 1n);
  if (terms.length === 1) return terms[0];
  return { k: kind === "sum" ? "add" : "mul", args: terms };
}
