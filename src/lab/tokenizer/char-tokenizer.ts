/**
 * A character vocabulary with SentencePiece byte fallback, laid out like the GGUF fixtures
 * (src/models/gguf/char-vocab.ts): <unk>=0, <s>=1, </s>=2, the 256 `<0xXX>` byte tokens (ids 3–258),
 * then one token per character of the task's alphabet, space written as `▁`.
 * Characters outside the alphabet (newline included) become their UTF-8 byte tokens, which is what
 * llama.cpp's SPM tokenizer does with the same vocabulary, so both sides agree on every id.
 */
import { byteTokenText, LlamaTokenType } from "../../models/gguf/llama-token-type.ts";
import type { LlamaVocab } from "../../models/gguf/write-llama-gguf.ts";

const SPM_SPACE = "\u2581";
const BYTE_BASE = 3;
const FIRST_CHAR_ID = BYTE_BASE + 256;

export class CharTokenizer {
  static readonly unknownId = 0;
  static readonly bosId = 1;
  static readonly eosId = 2;
  /** The alphabet in id order (space as " "), starting at id 259. */
  readonly chars: string[];
  private readonly ids: Map<string, number>;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(chars: Iterable<string>) {
    // Sorted and deduplicated so the same texts always give the same ids; newline stays a byte token.
    this.chars = [...new Set(chars)].filter((c) => c !== "\n" && [...c].length === 1).sort();
    this.ids = new Map(this.chars.map((c, i) => [c, FIRST_CHAR_ID + i]));
  }

  /** A tokenizer whose alphabet is every character used in `texts`. */
  static fromTexts(texts: Iterable<string>): CharTokenizer {
    const chars = new Set<string>();
    for (const text of texts) for (const c of text) chars.add(c);
    return new CharTokenizer(chars);
  }

  /**
   * Characters of `texts` outside the alphabet, in order of first appearance (newline excluded: it is
   * always a byte token). Empty when the alphabet covers the texts.
   */
  uncovered(texts: Iterable<string>): string[] {
    const missing = new Set<string>();
    for (const text of texts) for (const c of text) if (c !== "\n" && !this.ids.has(c)) missing.add(c);
    return [...missing];
  }

  get vocabSize(): number {
    return FIRST_CHAR_ID + this.chars.length;
  }

  /** Token ids of `text`, without <s> or </s>. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const c of text) {
      const id = this.ids.get(c);
      if (id !== undefined) out.push(id);
      else for (const byte of this.encoder.encode(c)) out.push(BYTE_BASE + byte);
    }
    return out;
  }

  /** Text of `ids`; control tokens decode to nothing, byte runs decode as UTF-8. */
  decode(ids: Iterable<number>): string {
    let text = "";
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length > 0) text += this.decoder.decode(new Uint8Array(bytes));
      bytes = [];
    };
    for (const id of ids) {
      if (id >= BYTE_BASE && id < FIRST_CHAR_ID) {
        bytes.push(id - BYTE_BASE);
        continue;
      }
      flush();
      if (id >= FIRST_CHAR_ID && id < this.vocabSize) text += this.chars[id - FIRST_CHAR_ID];
    }
    flush();
    return text;
  }

  /** The vocabulary as the GGUF writer takes it (llama.cpp's SPM tokenizer, BOS added, no EOS). */
  toLlamaVocab(): LlamaVocab {
    const tokens = ["<unk>", "<s>", "</s>"];
    const tokenTypes: number[] = [LlamaTokenType.unknown, LlamaTokenType.control, LlamaTokenType.control];
    for (let byte = 0; byte < 256; byte++) {
      tokens.push(byteTokenText(byte));
      tokenTypes.push(LlamaTokenType.byte);
    }
    for (const c of this.chars) {
      tokens.push(c === " " ? SPM_SPACE : c);
      tokenTypes.push(LlamaTokenType.normal);
    }
    // Scores rank SPM merges; single characters have nothing to merge, so they only need to differ.
    const scores = tokens.map((_, i) => (i < FIRST_CHAR_ID ? 0 : -(i - FIRST_CHAR_ID + 1)));
    return {
      tokens,
      scores,
      tokenTypes,
      bosId: CharTokenizer.bosId,
      eosId: CharTokenizer.eosId,
      unknownId: CharTokenizer.unknownId,
      addBos: true,
      addEos: false,
    };
  }

  toJSON(): { chars: string[] } {
    return { chars: this.chars };
  }
}
