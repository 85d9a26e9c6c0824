/** llama.cpp's `llama_token_type` values, stored per token in `tokenizer.ggml.token_type`. */
export const LlamaTokenType = {
  undefined: 0,
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6,
} as const;

/** The SentencePiece byte-fallback token for a byte: `<0x0A>` for newline (upper-case hex, 2 digits). */
export function byteTokenText(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}
