/**
 * Turns generated tokens into text one token at a time. Byte-level vocabularies split a multi-byte
 * character ("é" = 0xC3 0xA9) over several tokens; decoding each alone yields U+FFFD, so tokens whose
 * text ends in an incomplete character wait until the character completes.
 */
import type { LlamaModel, Token } from "node-llama-cpp";

/** A UTF-8 character is at most 4 bytes, so at most 4 byte tokens can be pending. */
const MAX_PENDING_TOKENS = 4;
/** Preceding tokens handed to the detokenizer so it can apply its spacing rules correctly. */
const CONTEXT_TOKENS = 8;

export class TokenTextDecoder {
  private readonly model: LlamaModel;
  private readonly decoded: Token[] = [];
  private pending: Token[] = [];

  constructor(model: LlamaModel, precedingTokens: readonly Token[] = []) {
    this.model = model;
    this.decoded.push(...precedingTokens.slice(-CONTEXT_TOKENS));
  }

  /** Adds a token and returns the text it completes ("" while a character is still incomplete). */
  push(token: Token): string {
    this.pending.push(token);
    const text = this.model.detokenize(this.pending, false, this.decoded.slice(-CONTEXT_TOKENS));
    if (text.endsWith("\uFFFD") && this.pending.length < MAX_PENDING_TOKENS) return "";
    this.decoded.push(...this.pending);
    this.pending = [];
    return text;
  }

  /** Text of tokens still waiting for the rest of their character (at the end of generation). */
  flush(): string {
    if (this.pending.length === 0) return "";
    const text = this.model.detokenize(this.pending, false, this.decoded.slice(-CONTEXT_TOKENS));
    this.decoded.push(...this.pending);
    this.pending = [];
    return text;
  }
}
