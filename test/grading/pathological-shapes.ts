/**
 * Pathological answers: the shapes a policy (or a careless model) produces that made the grader slow —
 * deep nesting, huge numbers and sums, huge sets and matrices, and text built to make regular
 * expressions backtrack. Each is paired with a small gold, and sized as the red-team review measured
 * them (10k-deep, megabytes, 20k elements, 300×300). Shared by the grading tests and by
 * `scripts/grade-shapes.ts`-style profiling; our own shapes, not the review's corpus.
 */

export interface Shape {
  /** What the shape is, for test names. */
  name: string;
  /** The model output. */
  pred: string;
  /** A small gold answer it is graded against. */
  gold: string;
}

const list = (n: number, f: (i: number) => string, sep = ",") =>
  Array.from({ length: n }, (_, i) => f(i)).join(sep);

/** Every shape at `scale` (1 = the sizes of the review; tests may shrink them). */
export function pathologicalShapes(scale = 1): Shape[] {
  const deep = Math.round(10_000 * scale);
  const big = Math.round(2_000_000 * scale);
  const many = Math.round(20_000 * scale);
  const side = Math.max(2, Math.round(300 * Math.sqrt(scale)));
  const run = Math.round(100_000 * scale);
  const rep = (s: string, n: number) => s.repeat(n);
  const matrix = (n: number, cell: (i: number, j: number) => string) =>
    `\\begin{pmatrix}${list(n, (i) => list(n, (j) => cell(i, j), "&"), "\\\\")}\\end{pmatrix}`;

  const shapes: Shape[] = [
    // Deep nesting.
    {
      name: "nested fractions (numerators)",
      pred: `${rep("\\frac{", deep)}1${rep("}{2}", deep)}`,
      gold: "1",
    },
    {
      name: "nested fractions (denominators)",
      pred: `${rep("\\frac{1}{", deep)}2${rep("}", deep)}`,
      gold: "1",
    },
    { name: "continued fraction", pred: `${rep("1+\\frac{1}{", deep)}1${rep("}", deep)}`, gold: "2" },
    { name: "unbraced fraction chain", pred: `${rep("\\frac1", deep)}2`, gold: "1" },
    { name: "nested parentheses", pred: `${rep("(", deep)}1${rep(")", deep)}`, gold: "1" },
    { name: "open parentheses", pred: `${rep("(", deep)}1`, gold: "1" },
    { name: "nested brackets", pred: `${rep("[", deep)}1${rep("]", deep)}`, gold: "1" },
    { name: "nested braces", pred: `${rep("{", deep)}1${rep("}", deep)}`, gold: "1" },
    { name: "nested sets", pred: `${rep("\\{", deep)}1${rep("\\}", deep)}`, gold: "1" },
    { name: "nested \\left( \\right)", pred: `${rep("\\left(", deep)}1${rep("\\right)", deep)}`, gold: "1" },
    { name: "nested square roots", pred: `${rep("\\sqrt{", deep)}2${rep("}", deep)}`, gold: "1" },
    { name: "power tower (braced)", pred: `${rep("2^{", deep)}2${rep("}", deep)}`, gold: "4" },
    { name: "power tower (bare)", pred: `${rep("2^", deep)}2`, gold: "4" },
    { name: "long minus chain", pred: `${rep("-", deep * 10)}1`, gold: "1" },
    { name: "nested boxes", pred: `${rep("\\boxed{", deep)}1${rep("}", deep)}`, gold: "1" },
    { name: "unclosed boxes", pred: rep("\\boxed{1 ", deep), gold: "1" },
    { name: "nested \\text", pred: `\\boxed{${rep("\\text{", deep)}a${rep("}", deep)}}`, gold: "a" },
    { name: "nested \\mathbf", pred: `\\boxed{${rep("\\mathbf{", deep)}1${rep("}", deep)}}`, gold: "1" },
    { name: "nested function calls", pred: `\\boxed{${rep("\\sin(", deep)}1${rep(")", deep)}}`, gold: "1" },
    { name: "nested absolute values", pred: `\\boxed{${rep("|", deep)}1${rep("|", deep)}}`, gold: "1" },
    { name: "nested subscripts", pred: `\\boxed{x${rep("_{", deep)}1${rep("}", deep)}}`, gold: "x" },
    // Huge numbers and sums.
    { name: "multi-megabyte integer", pred: rep("7", big), gold: "7" },
    { name: "multi-megabyte integer (boxed)", pred: `\\boxed{${rep("7", big)}}`, gold: rep("7", 50) },
    { name: "multi-megabyte decimal", pred: `The answer is 0.${rep("3", big)}.`, gold: "\\frac13" },
    { name: "multi-megabyte tiny decimal", pred: `\\boxed{0.${rep("0", big)}1}`, gold: "0" },
    { name: "huge exponent literal", pred: `\\boxed{1e${rep("9", 5000)}}`, gold: "\\infty" },
    { name: "huge power", pred: `\\boxed{10^{${rep("9", 5000)}}}`, gold: "\\infty" },
    { name: "power of a power", pred: "\\boxed{9^{9^{9^{9}}}}", gold: "\\infty" },
    { name: "huge factorial", pred: "\\boxed{100000!}", gold: "\\infty" },
    { name: "huge binomial", pred: "\\boxed{\\binom{10000}{5000}}", gold: "1" },
    { name: "multi-megabyte sum", pred: `\\boxed{${rep("1+", big / 2)}1}`, gold: "5" },
    {
      name: "sum of fractions",
      pred: `\\boxed{${list(many, (i) => `\\frac{1}{${i + 2}}`, "+")}}`,
      gold: "5",
    },
    { name: "sum of distinct prime fractions", pred: `\\boxed{${primeFractions(2000)}}`, gold: "5" },
    { name: "long product", pred: `\\boxed{${rep("2\\cdot", many)}1}`, gold: "5" },
    { name: "long polynomial", pred: `\\boxed{${list(many, (i) => `${i + 1}x^{${i}}`, "+")}}`, gold: "x" },
    {
      name: "nested sums",
      pred: "\\boxed{\\sum_{i=1}^{1000}\\sum_{j=1}^{1000}\\sum_{k=1}^{1000} ijk}",
      gold: "1",
    },
    { name: "sum of big powers", pred: "\\boxed{\\sum_{k=1}^{1000} k^{1000}}", gold: "1" },
    {
      name: "repeating decimal, megabyte period",
      pred: `\\boxed{0.\\overline{${rep("3", big / 4)}}}`,
      gold: "\\frac13",
    },
    // Huge sets, lists and matrices.
    { name: "20k-element set", pred: `\\boxed{\\{${list(many, (i) => String(i))}\\}}`, gold: "\\{1, 2\\}" },
    {
      name: "20k-element set against its reverse",
      pred: `\\boxed{\\{${list(many, (i) => String(i))}\\}}`,
      gold: `\\{${list(many, (i) => String(many - 1 - i))}\\}`,
    },
    { name: "20k-element list", pred: `\\boxed{${list(many, (i) => String(i))}}`, gold: "1, 2" },
    { name: "20k-element tuple", pred: `\\boxed{(${list(many, (i) => String(i))})}`, gold: "(1, 2)" },
    { name: "20k repeated elements", pred: `\\boxed{\\{${list(many, () => "1")}\\}}`, gold: "\\{1\\}" },
    {
      name: "20k fractions in a set",
      pred: `\\boxed{\\{${list(many, (i) => `\\frac{${i}}{7}`)}\\}}`,
      gold: "\\{1\\}",
    },
    { name: "20k symbolic elements", pred: `\\boxed{\\{${list(many, (i) => `x+${i}`)}\\}}`, gold: "\\{x\\}" },
    {
      name: "20k intervals",
      pred: `\\boxed{${list(many, (i) => `[${2 * i},${2 * i + 1}]`, "\\cup")}}`,
      gold: "[0,1]",
    },
    { name: "20k assignments", pred: `\\boxed{${list(many, (i) => `x_{${i}}=${i}`)}}`, gold: "x_{0}=0" },
    { name: "20k plus-minus", pred: `\\boxed{${list(many, () => "1\\pm1", "\\pm")}}`, gold: "0" },
    {
      name: "300x300 matrix",
      pred: `\\boxed{${matrix(side, (i, j) => String(i + j))}}`,
      gold: matrix(2, () => "1"),
    },
    {
      name: "300x300 matrix against itself transposed",
      pred: `\\boxed{${matrix(side, (i, j) => String(i * side + j))}}`,
      gold: matrix(side, (i, j) => String(j * side + i)),
    },
    {
      name: "matrix product chain",
      pred: `\\boxed{${rep(
        matrix(12, (i, j) => String(i + j)),
        6,
      )}}`,
      gold: matrix(12, () => "1"),
    },
    {
      name: "matrix sum chain",
      pred: `\\boxed{${list(400, () => matrix(10, () => "1"), "+")}}`,
      gold: matrix(10, () => "400"),
    },
    // Text built for backtracking regular expressions.
    {
      name: "spaces around an approximate sign",
      pred: `1${rep(" ", run)}\\approx${rep(" ", run)}2`,
      gold: "1",
    },
    { name: "digits before an approximate sign", pred: `\\boxed{${rep("1", run)} \\approx}`, gold: "1" },
    { name: "digits and spaces, no approximate sign", pred: `\\boxed{${rep("1 ", run)}x}`, gold: "1" },
    {
      name: "equals signs and an approximation",
      pred: `\\boxed{${rep("= 1 ", run / 4)}\\approx 2}`,
      gold: "1",
    },
    { name: "equals runs without approximation", pred: `\\boxed{x${rep("= 1 ", run / 4)}}`, gold: "1" },
    { name: "unicode approximate signs", pred: `The answer is ${rep("1 ≈ ", run / 4)}.`, gold: "1" },
    { name: "unit words", pred: `\\boxed{${rep("5 apples ", run / 8)}!}`, gold: "5" },
    { name: "unit words after a number", pred: `\\boxed{5${rep(" cm", run / 3)}!}`, gold: "5" },
    { name: "words and digits", pred: `The answer is ${rep("ab 1 ", run / 5)}!`, gold: "1" },
    { name: "text units", pred: `\\boxed{${rep("5\\text{ cm}", run / 10)}}`, gold: "5" },
    { name: "ordinals", pred: `\\boxed{${rep("1st ", run / 4)}x}`, gold: "1" },
    { name: "ordinal with spaces", pred: `\\boxed{1${rep(" ", run)}^{th} x}`, gold: "1" },
    { name: "overlines", pred: `\\boxed{${rep("0.1\\overline{", run / 14)}}`, gold: "1" },
    { name: "overline with long digits", pred: `\\boxed{0.${rep("1", run)}\\overline{3}}`, gold: "1" },
    { name: "open brackets with commas", pred: `\\boxed{${rep("(1,", run / 3)}}`, gold: "1" },
    { name: "open \\[ spans", pred: rep("\\[ 1 ", run / 5), gold: "1" },
    { name: "open \\( spans", pred: rep("\\( 1 ", run / 5), gold: "1" },
    { name: "open dollar spans", pred: `${rep("$ 1 \n", run / 5)}`, gold: "1" },
    { name: "double dollars", pred: rep("$$1", run / 3), gold: "1" },
    { name: "long run of spaces, then a word", pred: `The answer is 5${rep(" ", run)}x`, gold: "5" },
    { name: "long run of spaces at the start", pred: `${rep(" ", run)}x 5`, gold: "5" },
    { name: "long run of spaces in a box", pred: `\\boxed{5${rep(" ", run)}x}`, gold: "5" },
    { name: "long run of newlines", pred: `${rep("\n", run)}x`, gold: "5" },
    { name: "trailing punctuation run", pred: `The answer is 5${rep(" .", run / 2)}x`, gold: "5" },
    { name: "repeated answer phrases", pred: rep("The answer is ", run / 14), gold: "5" },
    { name: "repeated final answer phrases", pred: rep("final answer to ", run / 16), gold: "5" },
    { name: "repeated negations", pred: `The answer is ${rep("not ", run / 4)}5`, gold: "5" },
    { name: "thousands separators", pred: `\\boxed{1${rep(",000", run / 4)}}`, gold: "1" },
    { name: "LaTeX thousands separators", pred: `\\boxed{1${rep("{,}000", run / 6)}}`, gold: "1" },
    { name: "spaced thousands", pred: `\\boxed{1${rep(" 000", run / 4)}}`, gold: "1" },
    { name: "mixed-number lookalikes", pred: `\\boxed{${rep("1 1/2 ", run / 6)}}`, gold: "1" },
    { name: "assignment groups", pred: `\\boxed{${rep("a=1,b=2;", run / 8)}c=${rep(" ", run)}}`, gold: "1" },
    { name: "decimal points", pred: `\\boxed{${rep("1.", run / 2)}}`, gold: "1" },
    { name: "percent signs", pred: `\\boxed{${rep("5\\% ", run / 4)}}`, gold: "1" },
    { name: "degree marks", pred: `\\boxed{${rep("90^\\circ ", run / 9)}}`, gold: "90" },
    { name: "dots", pred: `\\boxed{1${rep(" ", run)}\\ldots x}`, gold: "1" },
    { name: "\\text{ and } runs", pred: `\\boxed{${rep("1 \\text{ and } ", run / 14)}}`, gold: "1" },
    { name: "and/or runs", pred: `\\boxed{${rep("1 or ", run / 5)}}`, gold: "1" },
    { name: "I hope", pred: `The answer is 5${rep(" ", run)}I hope`, gold: "5" },
    { name: "think tags", pred: `${rep("<think>", run / 7)}5`, gold: "5" },
    { name: "closing think tags", pred: `${rep("</think>", run / 8)}5`, gold: "5" },
    { name: "choice-like letters", pred: rep("\n (A) ", run / 6), gold: "A" },
    { name: "answer, then a run of spaces", pred: `answer${rep(" ", run)}x`, gold: "A" },
    { name: "answer, then spaced colons", pred: `answer${rep(" :", run / 2)}x`, gold: "A" },
    { name: "newlines before a letter", pred: `${rep("\n", run)}A)x`, gold: "A" },
    { name: "long \\text words", pred: `\\boxed{\\text{${rep("a", run)}}}`, gold: "a" },
    { name: "long identifier", pred: `\\boxed{${rep("x", run)}}`, gold: "x" },
    { name: "long LaTeX command", pred: `\\boxed{\\${rep("a", run)}}`, gold: "1" },
    { name: "many commands", pred: `\\boxed{${rep("\\alpha ", run / 7)}}`, gold: "1" },
    { name: "many integrals", pred: `\\boxed{${rep("\\int_0^1 ", run / 9)}x dx}`, gold: "1" },
    { name: "many limits", pred: `\\boxed{${rep("\\lim_{x \\to 0}", run / 14)} x}`, gold: "0" },
    { name: "percent words", pred: `\\boxed{${rep("5 percent ", run / 10)}}`, gold: "1" },
  ];
  return shapes;
}

/** "\frac{1}{2}+\frac{1}{3}+\frac{1}{5}+…": the common denominator grows with every term. */
function primeFractions(count: number): string {
  const primes: number[] = [];
  for (let n = 2; primes.length < count; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  return primes.map((p) => `\\frac{1}{${p}}`).join("+");
}

/** Shapes in both roles: the pathological text as the candidate, and as the gold. */
export function asGradings(shapes: Shape[]): Array<{ name: string; candidate: string; gold: string }> {
  return shapes.flatMap((s) => [
    { name: s.name, candidate: s.pred, gold: s.gold },
    { name: `${s.name} (as gold)`, candidate: s.gold, gold: s.pred },
  ]);
}
