/**
 * The recursive-descent parser behind `parseMath`: lists, relations, unions, sums, products (explicit
 * and implicit), powers, postfix `!` and `%`, brackets, LaTeX commands and matrix environments.
 */
import { expandBigOperator, substitute } from "./big-operator.ts";
import { evaluate, toComplex } from "./evaluate.ts";
import { expandAllPm, FUNCTIONS, GREEK, NUM, neg, REL_CMDS } from "./latex-names.ts";
import type { MathNode, RelOp } from "./math-ast.ts";
import { parseDecimal } from "./rational.ts";
import { ParseError, TokenCursor } from "./token-cursor.ts";
import type { Token } from "./tokenize-math.ts";
import { type WorkBudget, WorkLimitError } from "./work-budget.ts";

/** Stands in for the `d` of an integral's `dx` while its body is parsed: no token the tokenizer makes. */
const DIFFERENTIAL = "\u0000d";

/**
 * Deepest nesting read (brackets, fractions, powers, signs): answers nest a few levels; 10k-deep input
 * is an attack on the stack, refused in linear time and compared as text instead.
 */
const MAX_DEPTH = 200;

const INVERSE_TRIG: Record<string, string> = { sin: "arcsin", cos: "arccos", tan: "arctan" };

function isMinusOne(node: MathNode): boolean {
  if (node.k === "num") return node.v.n === -1n && node.v.d === 1n;
  return (
    node.k === "mul" &&
    node.args.length === 2 &&
    node.args.every((a) => a.k === "num" && a.v.d === 1n && (a.v.n === -1n || a.v.n === 1n)) &&
    node.args.some((a) => a.k === "num" && a.v.n === -1n)
  );
}

/** Whether a node is a constant with a finite real value (a limit point: not ∞, not x). */
function isFiniteNumber(node: MathNode, budget: WorkBudget): boolean {
  try {
    const { re, im, lost } = toComplex(evaluate(node, new Map(), budget));
    return Number.isFinite(re) && im === 0 && !lost;
  } catch (error) {
    if (error instanceof WorkLimitError) throw error;
    return false;
  }
}

export class MathParser extends TokenCursor {
  /** Current nesting depth (see MAX_DEPTH). */
  private depth = 0;

  constructor(
    tokens: Token[],
    private readonly percentAsFraction: boolean,
    private readonly budget: WorkBudget,
  ) {
    super(tokens);
  }

  /** Enters one nesting level; the caller leaves it on return (a ParseError abandons the parse). */
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new ParseError("nested too deeply");
  }

  parseTop(): MathNode {
    const items = this.parseList();
    if (this.pos < this.tokens.length) throw new ParseError(`unexpected ${JSON.stringify(this.peek())}`);
    const values = items.flatMap((x) => expandAllPm(x));
    if (items.length === 1 && values.length === 1) return values[0];
    return { k: "seq", open: "", close: "", items: values };
  }

  /** Comma-separated items up to a closing bracket or the end. */
  private parseList(): MathNode[] {
    const items: MathNode[] = [];
    if (this.atListEnd()) return items;
    items.push(this.parseRel());
    while (this.isOp(",") || this.isOp(";")) {
      this.pos++;
      if (this.atListEnd()) break;
      items.push(this.parseRel());
    }
    return items;
  }

  private atListEnd(): boolean {
    const t = this.peek();
    if (!t) return true;
    if (t.t === "op") return ")]}".includes(t.s) && t.s.length === 1;
    return t.t === "cmd" && (t.s === "}" || t.s === "end");
  }

  private relOp(): RelOp | null {
    const t = this.peek();
    if (!t) return null;
    if (t.t === "op") {
      if (t.s === "=" || t.s === "<" || t.s === ">") return t.s;
      if (t.s === "<=" || t.s === ">=" || t.s === "!=") return t.s;
      return null;
    }
    return t.t === "cmd" ? (REL_CMDS[t.s] ?? null) : null;
  }

  private parseRel(): MathNode {
    const first = this.parseUnion();
    const ops: RelOp[] = [];
    const terms = [first];
    for (let op = this.relOp(); op !== null; op = this.relOp()) {
      this.pos++;
      ops.push(op);
      terms.push(this.parseUnion());
    }
    if (ops.length === 0) return first;
    // "x \in [1, 2]" means the set itself.
    if (ops.length === 1 && ops[0] === "in") return terms[1];
    // "x = \pm 2" assigns the pair {2, −2}.
    const sides = terms.map((t): MathNode => {
      const values = expandAllPm(t);
      return values.length > 1 ? { k: "seq", open: "", close: "", items: values } : t;
    });
    return { k: "rel", ops, terms: sides };
  }

  private parseUnion(): MathNode {
    const first = this.parseExpr();
    if (!this.isCmd("cup")) return first;
    const items = [first];
    while (this.isCmd("cup")) {
      this.pos++;
      items.push(this.parseExpr());
    }
    return { k: "union", items };
  }

  private parseExpr(): MathNode {
    let left: MathNode;
    if (this.isCmd("pm")) {
      this.pos++;
      left = { k: "pm", a: NUM(0n), b: this.parseTerm() };
    } else {
      left = this.parseTerm();
    }
    const terms = [left];
    for (;;) {
      if (this.isOp("+")) {
        this.pos++;
        terms.push(this.parseTerm());
      } else if (this.isOp("-")) {
        this.pos++;
        terms.push(neg(this.parseTerm()));
      } else if (this.isCmd("pm") || this.isCmd("mp")) {
        this.pos++;
        const a: MathNode = terms.length === 1 ? terms[0] : { k: "add", args: terms.slice() };
        return { k: "pm", a, b: this.parseTerm() };
      } else break;
    }
    return terms.length === 1 ? terms[0] : { k: "add", args: terms };
  }

  private parseTerm(): MathNode {
    const factors = [this.parseUnary()];
    for (;;) {
      const t = this.peek();
      if (!t) break;
      if (
        (t.t === "op" && t.s === "*") ||
        (t.t === "cmd" && (t.s === "cdot" || t.s === "times" || t.s === "ast"))
      ) {
        this.pos++;
        factors.push(this.parseUnary());
      } else if ((t.t === "op" && (t.s === "/" || t.s === ":")) || (t.t === "cmd" && t.s === "div")) {
        // A ratio "7:32" reads as the quotient, so "A:B = 7:32" and "7/32" agree.
        this.pos++;
        factors.push({ k: "pow", base: this.parseUnary(), exp: NUM(-1n) });
      } else if (this.startsImplicitFactor(t)) {
        factors.push(this.parsePower());
      } else break;
    }
    return factors.length === 1 ? factors[0] : { k: "mul", args: factors };
  }

  /** Whether the token can begin a factor multiplied by juxtaposition ("2x", "3\sqrt{2}", "(x+1)(x-1)"). */
  private startsImplicitFactor(t: Token): boolean {
    if (t.t === "num" || t.t === "id") return true;
    if (t.t === "op") return t.s === "(" || t.s === "{";
    if (t.t === "cmd") {
      if (t.s in REL_CMDS) return false;
      return ![
        "cdot",
        "times",
        "div",
        "pm",
        "mp",
        "cup",
        "end",
        "}",
        "%",
        "|",
        "ast",
        "to",
        "rightarrow",
        "rfloor",
        "rceil",
      ].includes(t.s);
    }
    return false;
  }

  private parseUnary(): MathNode {
    if (this.isOp("-") || this.isOp("+")) {
      const minus = this.isOp("-");
      this.pos++;
      this.enter();
      const inner = this.parseUnary();
      this.depth--;
      return minus ? neg(inner) : inner;
    }
    return this.parsePower();
  }

  private parsePower(): MathNode {
    const base = this.parsePostfix();
    if (this.isOp("^")) {
      this.pos++;
      if (this.isOp("-")) {
        this.pos++;
        return { k: "pow", base, exp: neg(this.parsePostfix()) };
      }
      return { k: "pow", base, exp: this.parsePowerOperand() };
    }
    return base;
  }

  /** x^2, x^{n+1}, x^-1, 2^2^3 (right-associative). */
  private parsePowerOperand(): MathNode {
    const base = this.parsePostfix();
    if (this.isOp("^")) {
      this.pos++;
      return { k: "pow", base, exp: this.parsePowerOperand() };
    }
    return base;
  }

  private parsePostfix(): MathNode {
    let node = this.parsePrimary();
    for (;;) {
      if (this.isOp("!")) {
        this.pos++;
        node = { k: "fn", name: "factorial", args: [node] };
      } else if (this.isOp("%") || this.isCmd("%")) {
        this.pos++;
        if (this.percentAsFraction) node = { k: "mul", args: [node, NUM(1n, 100n)] };
      } else if (this.isOp("'")) {
        this.pos++;
        if (node.k !== "sym") throw new ParseError("prime on a non-variable");
        node = { k: "sym", name: `${node.name}'` };
      } else break;
    }
    return node;
  }

  /** A `{…}` group or a single token: the argument of \frac, \sqrt, ^, _. */
  private parseArg(): MathNode {
    if (this.isOp("{")) {
      this.pos++;
      const inner = this.parseRel();
      this.expectOp("}");
      return inner;
    }
    const t = this.peek();
    if (t?.t === "num") {
      // "\frac12": each digit is one argument; the rest of the number stays for the next one.
      if (t.s.length > 1 && /^\d+$/.test(t.s)) {
        this.tokens[this.pos] = { t: "num", s: t.s.slice(1) };
        return NUM(BigInt(t.s[0]));
      }
      this.pos++;
      return this.numberNode(t.s);
    }
    return this.parsePrimary();
  }

  private numberNode(s: string): MathNode {
    const v = parseDecimal(s);
    if (!v) throw new ParseError(`bad number ${s}`);
    return { k: "num", v, decimal: s.includes(".") || /e/i.test(s) };
  }

  private parsePrimary(): MathNode {
    this.enter();
    const node = this.parsePrimaryAt();
    this.depth--;
    return node;
  }

  private parsePrimaryAt(): MathNode {
    const t = this.peek();
    if (!t) throw new ParseError("unexpected end");
    this.pos++;
    switch (t.t) {
      case "num":
        return this.numberNode(t.s);
      case "id":
        return this.parseIdentifier(t.s);
      case "cmd":
        return this.parseCommand(t.s);
      case "op":
        return this.parseBracket(t.s);
      default:
        return t satisfies never;
    }
  }

  private parseIdentifier(name: string): MathNode {
    if (name === "pi") return { k: "const", name: "pi" };
    if (name === "inf" || name === "infty" || name === "oo") return { k: "const", name: "inf" };
    if (name === "sqrt") return { k: "fn", name: "sqrt", args: [this.parseFunctionArg()] };
    if (name === "gcd" || name === "lcm") return this.parseListFunction(name);
    if (FUNCTIONS.has(name)) return this.parseFunction(name);
    const sub = this.subscriptName();
    if (sub === "") {
      if (name === "i") return { k: "const", name: "i" };
      if (name === "e") return { k: "const", name: "e" };
    }
    return { k: "sym", name: name + sub };
  }

  /** `f(x)`, `\sin x`, `\sin^2 x`, `\log_2 8`. */
  private parseFunction(name: string): MathNode {
    let base: MathNode | null = null;
    if ((name === "log" || name === "ln") && this.isOp("_")) {
      this.pos++;
      base = this.parseArg();
    }
    let power: MathNode | null = null;
    if (this.isOp("^")) {
      this.pos++;
      power = this.parseArg();
    }
    const arg = this.parseFunctionArg();
    // "\sin^{-1} x" is arcsin, not 1/sin (the usual reading, and latex2sympy's).
    if (power && isMinusOne(power) && INVERSE_TRIG[name])
      return { k: "fn", name: INVERSE_TRIG[name], args: [arg] };
    const call: MathNode = { k: "fn", name, args: base ? [arg, base] : [arg] };
    return power ? { k: "pow", base: call, exp: power } : call;
  }

  /** `\gcd(12, 18)`, `lcm(4, 6)`: functions of a list. */
  private parseListFunction(name: string): MathNode {
    this.expectOp("(");
    const args = this.parseList();
    this.expectOp(")");
    if (args.length < 2) throw new ParseError(`${name} needs two arguments`);
    return { k: "fn", name, args };
  }

  /** `\sum_{k=1}^{10} k^2`, `\prod_{i=1}^{4} i`: the body is one product term, as in SymPy's LaTeX parser. */
  private parseBigOperator(name: "sum" | "prod"): MathNode {
    this.expectOp("_");
    const lower = this.parseArg();
    this.expectOp("^");
    const upper = this.parseArg();
    return expandBigOperator(name, lower, upper, this.parseTerm(), this.budget);
  }

  /** `\int_0^1 x^2\,dx`: a definite integral; its body runs up to the differential `d` + variable. */
  private parseIntegral(): MathNode {
    this.expectOp("_");
    const lo = this.parseArg();
    this.expectOp("^");
    const hi = this.parseArg();
    // Mark the differential so that the body stops there ("\sin x \, dx" is not sin(x·d·x)).
    let depth = 0;
    let at = -1;
    for (let j = this.pos; j < this.tokens.length - 1 && at < 0; j++) {
      const t = this.tokens[j];
      if (t.t === "op" && "([{".includes(t.s)) depth++;
      else if (t.t === "op" && ")]}".includes(t.s)) depth--;
      else if (depth === 0 && t.t === "id" && t.s === "d" && this.tokens[j + 1].t === "id") at = j;
    }
    if (at < 0) throw new ParseError("an integral needs dx");
    this.tokens[at] = { t: "op", s: DIFFERENTIAL };
    const body = at === this.pos ? NUM(1n) : this.parseExpr();
    this.expectOp(DIFFERENTIAL);
    const variable = this.parsePrimary();
    if (variable.k !== "sym") throw new ParseError("bad integration variable");
    return { k: "fn", name: "integral", args: [body, variable, lo, hi] };
  }

  /**
   * `\lim_{x \to 2} (x^2 + 1)` at a finite point: the body's value there (right for the continuous
   * bodies answers hold; a 0/0 form fails to evaluate, so it is never wrongly equal). Limits at ∞ or
   * one-sided ones are not read.
   */
  private parseLimit(): MathNode {
    this.expectOp("_");
    this.expectOp("{");
    const variable = this.parsePrimary();
    if (variable.k !== "sym" || !(this.isCmd("to") || this.isCmd("rightarrow")))
      throw new ParseError("a limit needs x \\to a");
    this.pos++;
    const point = this.parseExpr();
    this.expectOp("}");
    if (!isFiniteNumber(point, this.budget)) throw new ParseError("only limits at a finite number are read");
    return substitute(this.parseTerm(), variable.name, point);
  }

  private parseFunctionArg(): MathNode {
    if (this.isOp("(")) {
      this.pos++;
      const inner = this.parseExpr();
      this.expectOp(")");
      return inner;
    }
    if (this.isOp("{")) return this.parseArg();
    // `\sin x`, `\sin 2x`: the argument runs over the following factors.
    return this.parsePowerChain();
  }

  private parsePowerChain(): MathNode {
    const factors = [this.parsePower()];
    while (this.peek()?.t === "id" || (this.peek()?.t === "num" && factors.length === 0))
      factors.push(this.parsePower());
    return factors.length === 1 ? factors[0] : { k: "mul", args: factors };
  }

  private parseCommand(name: string): MathNode {
    switch (name) {
      case "frac": {
        const num = this.parseArg();
        const den = this.parseArg();
        return { k: "mul", args: [num, { k: "pow", base: den, exp: NUM(-1n) }] };
      }
      case "sqrt": {
        if (this.isOp("[")) {
          this.pos++;
          const index = this.parseExpr();
          this.expectOp("]");
          return { k: "fn", name: "root", args: [this.parseArg(), index] };
        }
        return { k: "fn", name: "sqrt", args: [this.parseArg()] };
      }
      case "sum":
      case "prod":
        return this.parseBigOperator(name);
      case "gcd":
      case "lcm":
        return this.parseListFunction(name);
      case "int":
        return this.parseIntegral();
      case "lim":
        return this.parseLimit();
      case "binom":
      case "dbinom":
      case "tbinom":
        return { k: "fn", name: "binom", args: [this.parseArg(), this.parseArg()] };
      case "pi":
        return { k: "const", name: "pi" };
      case "infty":
      case "infin":
        return { k: "const", name: "inf" };
      case "emptyset":
      case "varnothing":
        return { k: "seq", open: "{", close: "}", items: [] };
      case "{": {
        const items = this.parseList();
        if (!this.isCmd("}")) throw new ParseError("unclosed \\{");
        this.pos++;
        return {
          k: "seq",
          open: "{",
          close: "}",
          items: items.flatMap((x) => expandAllPm(x)),
        };
      }
      case "|":
      case "lfloor":
      case "lceil": {
        const inner = this.parseExpr();
        const close = name === "|" ? "|" : name === "lfloor" ? "rfloor" : "rceil";
        if (!this.isCmd(close) && !(close === "|" && this.isOp("|")))
          throw new ParseError(`expected ${close}`);
        this.pos++;
        return { k: "fn", name: name === "|" ? "abs" : name === "lfloor" ? "floor" : "ceil", args: [inner] };
      }
      case "begin":
        return this.parseEnvironment();
      case "exp":
      case "sin":
      case "cos":
      case "tan":
      case "cot":
      case "sec":
      case "csc":
      case "arcsin":
      case "arccos":
      case "arctan":
      case "sinh":
      case "cosh":
      case "tanh":
      case "ln":
      case "log":
        return this.parseFunction(name);
      case "text": {
        // Leftover text that normalisation kept (a word inside math): a variable-like name.
        if (!this.isOp("{")) throw new ParseError("bad \\text");
        return { k: "sym", name: this.groupText() };
      }
      default:
        if (GREEK.has(name)) return { k: "sym", name: name + this.subscriptName() };
        throw new ParseError(`unsupported command \\${name}`);
    }
  }

  private parseEnvironment(): MathNode {
    const env = this.groupText();
    if (!/^(?:[pbvBV]?matrix|array|smallmatrix)$/.test(env))
      throw new ParseError(`unsupported environment ${env}`);
    if (env === "array" && this.isOp("{")) this.groupText(); // column spec "{cc}"
    const rows: MathNode[][] = [[]];
    for (;;) {
      if (this.isCmd("end")) {
        this.pos++;
        this.groupText();
        break;
      }
      if (!this.peek()) throw new ParseError("unclosed matrix");
      rows[rows.length - 1].push(this.parseExpr());
      if (this.isOp("&")) this.pos++;
      else if (this.isOp("\\\\")) {
        this.pos++;
        if (!this.isCmd("end")) rows.push([]);
      } else if (!this.isCmd("end")) throw new ParseError("bad matrix cell");
    }
    if (rows.some((r) => r.length !== rows[0].length)) throw new ParseError("ragged matrix");
    return { k: "matrix", rows };
  }

  /** `(…)`, `[…]`, `{…}`, `|…|`: grouping, tuples, intervals, sets, absolute values. */
  private parseBracket(open: string): MathNode {
    if (open === "|") {
      const inner = this.parseExpr();
      this.expectOp("|");
      return { k: "fn", name: "abs", args: [inner] };
    }
    if (open !== "(" && open !== "[" && open !== "{") throw new ParseError(`unexpected ${open}`);
    const items = this.parseList();
    const close = this.peek();
    if (close?.t !== "op" || !")]}".includes(close.s)) throw new ParseError(`unclosed ${open}`);
    this.pos++;
    const closeS = close.s as ")" | "]" | "}";
    if (open === "{" && closeS !== "}") throw new ParseError("mismatched braces");
    // A single item in round brackets, or in braces (a LaTeX group), is grouping; so are brackets
    // around a matrix environment ("\left[\begin{array}…\end{array}\right]").
    const single = items.length === 1 && items[0].k !== "pm" ? items[0] : null;
    if (single && ((open === "(" && closeS === ")") || open === "{" || single.k === "matrix")) return single;
    // Bare braces around a list are a LaTeX group too: "{1,3}" reads as the list 1, 3 (Math-Verify).
    const bare = open === "{";
    return {
      k: "seq",
      open: bare ? "" : (open as "(" | "["),
      close: bare ? "" : closeS,
      items: items.flatMap((x) => expandAllPm(x)),
    };
  }
}
