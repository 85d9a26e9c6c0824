/**
 * A cursor over math tokens: the small reading primitives the parser is built from.
 */
import type { Token } from "./tokenize-math.ts";

/** The answer is not math we understand; callers fall back to comparing text. */
export class ParseError extends Error {}

export class TokenCursor {
  protected pos = 0;
  constructor(protected readonly tokens: Token[]) {}

  protected peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  protected isOp(s: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.t === "op" && t.s === s;
  }

  protected isCmd(s: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === "cmd" && t.s === s;
  }

  protected expectOp(s: string): void {
    if (!this.isOp(s)) throw new ParseError(`expected ${s}`);
    this.pos++;
  }

  protected subscriptName(): string {
    if (!this.isOp("_")) return "";
    this.pos++;
    if (this.isOp("{")) {
      const start = this.pos;
      let depth = 0;
      for (; this.pos < this.tokens.length; this.pos++) {
        const t = this.tokens[this.pos];
        if (t.t === "op" && t.s === "{") depth++;
        if (t.t === "op" && t.s === "}" && --depth === 0) break;
      }
      const parts = this.tokens.slice(start + 1, this.pos).map((t) => t.s);
      this.pos++;
      return `_${parts.join("")}`;
    }
    const t = this.peek();
    if (!t) throw new ParseError("dangling subscript");
    this.pos++;
    return `_${t.s}`;
  }

  protected groupText(): string {
    this.expectOp("{");
    const parts: string[] = [];
    while (!this.isOp("}")) {
      const t = this.peek();
      if (!t) throw new ParseError("unclosed group");
      parts.push(t.s);
      this.pos++;
    }
    this.pos++;
    return parts.join("");
  }
}
