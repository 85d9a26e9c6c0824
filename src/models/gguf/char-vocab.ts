/**
 * A character-level SentencePiece ("llama") vocabulary: the smallest vocabulary llama.cpp's SPM
 * tokenizer accepts. Every printable ASCII character is one token, space is `▁` (SentencePiece
 * writes spaces as U+2581), anything else falls back to the 256 `<0xXX>` byte tokens, and two ChatML
 * control tokens let a chat template mark turns.
 */
import { byteTokenText, LlamaTokenType } from "./llama-token-type.ts";
import type { LlamaVocab } from "./write-llama-gguf.ts";

/** SentencePiece's whitespace marker. */
export const SPM_SPACE = "\u2581";
const CHATML_START = "<|im_start|>";
const CHATML_END = "<|im_end|>";

/**
 * ChatML, the format node-llama-cpp recognises from the template text (`ChatMLChatWrapper`).
 * Written as a Jinja template because that is what `tokenizer.chat_template` holds.
 */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface CharVocab extends LlamaVocab {
  /** Ids of the ChatML turn markers. */
  chatStartId: number;
  chatEndId: number;
  /** Ids of the printable characters (and `▁`), the tokens a random model should mostly emit. */
  printableIds: number[];
}

/** Builds the vocabulary: <unk>, <s>, </s>, 256 byte tokens, ChatML markers, `▁`, then `!`..`~`. */
export function buildCharVocab(): CharVocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const tokenTypes: number[] = [];
  const add = (text: string, type: number, score = 0): number => {
    tokens.push(text);
    scores.push(score);
    tokenTypes.push(type);
    return tokens.length - 1;
  };
  const unknownId = add("<unk>", LlamaTokenType.unknown);
  const bosId = add("<s>", LlamaTokenType.control);
  const eosId = add("</s>", LlamaTokenType.control);
  for (let byte = 0; byte < 256; byte++) add(byteTokenText(byte), LlamaTokenType.byte);
  const chatStartId = add(CHATML_START, LlamaTokenType.control);
  const chatEndId = add(CHATML_END, LlamaTokenType.control);
  const printableIds: number[] = [];
  // Scores only rank merges in SPM; with single characters there are none, so any order works.
  printableIds.push(add(SPM_SPACE, LlamaTokenType.normal, -1));
  for (let code = 0x21; code <= 0x7e; code++) {
    printableIds.push(add(String.fromCharCode(code), LlamaTokenType.normal, -2 - (code - 0x21)));
  }
  return {
    tokens,
    scores,
    tokenTypes,
    bosId,
    eosId,
    unknownId,
    eotId: chatEndId,
    addBos: true,
    addEos: false,
    chatStartId,
    chatEndId,
    printableIds,
  };
}
