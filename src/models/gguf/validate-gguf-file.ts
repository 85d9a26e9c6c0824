/**
 * Checks that a GGUF file is safe to hand to llama.cpp. This matters beyond nice messages:
 * llama.cpp aborts the whole process (not a catchable error) on some malformed files — a SentencePiece
 * vocabulary without the `<0x0A>` byte token, a renamed `llama.attention.head_count` — so the llama
 * backend calls this first, and no file it accepts may abort llama.cpp (the GGUF fuzz test holds it to that).
 *
 * Checks, cheapest first: the file exists and parses (see `readGgufMetadata`); every tensor has a
 * known type, whole blocks, an aligned offset and data inside the file; names are unique; the
 * vocabulary's arrays agree in length and type, special token ids are in range, tokens are unique, a
 * SentencePiece (`llama`) vocabulary has all 256 `<0xXX>` byte tokens and its byte-typed tokens are
 * byte tokens; the hyperparameters llama.cpp requires for the architecture are present, well-typed
 * and in range (`check-hparams.ts`); and for `llama` every tensor has the shape they imply
 * (`check-llama-tensors.ts`). Measured on node-llama-cpp 3.21.1 and 3.22.1: a duplicate token text, a
 * missing `<0x0A>`, a 0 or missing head count or FFN width, a block count over 512 kill the process;
 * scores of the wrong length only fail the load.
 */
import { checkHparams } from "./check-hparams.ts";
import { checkLlamaTensors } from "./check-llama-tensors.ts";
import { byteTokenText, LlamaTokenType } from "./llama-token-type.ts";
import { type GgufFileInfo, invalidGguf, readGgufMetadata } from "./read-gguf-metadata.ts";

/** ggml's `TENSOR_ALIGNMENT`: where llama.cpp needs each tensor's data to start, in the file as in memory. */
const LLAMA_TENSOR_ALIGNMENT = 32;

/** Special-token keys whose ids must index the vocabulary. */
const SPECIAL_TOKEN_KEYS = [
  "bos_token_id",
  "eos_token_id",
  "unknown_token_id",
  "padding_token_id",
  "separator_token_id",
  "eot_token_id",
  "eom_token_id",
  "mask_token_id",
];

/** Validates the GGUF at `path` and returns its metadata; throws `MODEL_NOT_FOUND` or `MODEL_INVALID`. */
export async function validateGgufFile(path: string): Promise<GgufFileInfo> {
  const info = await readGgufMetadata(path);
  checkTensors(info);
  const vocabSize = checkVocabulary(info);
  const hparams = checkHparams(info);
  if (hparams.architecture === "llama") checkLlamaTensors(info, hparams, vocabSize);
  return info;
}

function fail(info: GgufFileInfo, problem: string) {
  return invalidGguf(info.path, problem);
}

function checkTensors(info: GgufFileInfo): void {
  const names = new Set<string>();
  for (const tensor of info.tensors) {
    if (names.has(tensor.name)) throw fail(info, `duplicate tensor name "${tensor.name}"`);
    names.add(tensor.name);
    if (tensor.type.startsWith("unknown")) {
      throw fail(info, `tensor "${tensor.name}" has unknown ggml type id ${tensor.typeId}`);
    }
    if (tensor.byteSize === undefined) {
      throw fail(
        info,
        `tensor "${tensor.name}" (${tensor.type}) has ne[0] = ${tensor.shape[0]}, not a whole number of blocks`,
      );
    }
    if (tensor.offset % info.alignment !== 0) {
      throw fail(
        info,
        `tensor "${tensor.name}" data offset ${tensor.offset} is not aligned to ${info.alignment} bytes`,
      );
    }
    // llama.cpp maps the data in place and asserts each tensor is 32-byte aligned in memory (ggml's
    // TENSOR_ALIGNMENT); a `general.alignment` below 32 can leave it short (measured: abort on 1).
    const start = info.dataOffset + tensor.offset;
    if (start % LLAMA_TENSOR_ALIGNMENT !== 0) {
      throw fail(
        info,
        `tensor "${tensor.name}" data starts at byte ${start}, not a multiple of ${LLAMA_TENSOR_ALIGNMENT} (general.alignment is ${info.alignment})`,
      );
    }
    const end = info.dataOffset + tensor.offset + tensor.byteSize;
    if (end > info.fileSize) {
      throw fail(
        info,
        `truncated: tensor "${tensor.name}" data ends at byte ${end} but the file has only ${info.fileSize} bytes`,
      );
    }
  }
}

/** Checks the vocabulary llama.cpp builds its tokenizer from; returns the number of tokens. */
function checkVocabulary(info: GgufFileInfo): number {
  const { metadata } = info;
  const model = metadata["tokenizer.ggml.model"];
  if (model === undefined) throw fail(info, "no vocabulary: `tokenizer.ggml.model` is missing");
  if (model.type !== "string") throw fail(info, "broken vocabulary: `tokenizer.ggml.model` is not a string");
  // llama.cpp loads such a model but aborts as soon as anything is tokenized.
  if (model.value === "none" || model.value === "no_vocab") {
    throw fail(info, `no vocabulary (\`tokenizer.ggml.model\` = "${model.value}"): nothing can be generated`);
  }
  const tokensEntry = metadata["tokenizer.ggml.tokens"];
  if (tokensEntry === undefined) throw fail(info, "broken vocabulary: `tokenizer.ggml.tokens` is missing");
  if (tokensEntry.type !== "array" || tokensEntry.itemType !== "string") {
    throw fail(info, "broken vocabulary: `tokenizer.ggml.tokens` is not an array of strings");
  }
  const tokens = tokensEntry.value as string[];
  const vocabSize = tokens.length;
  if (vocabSize === 0) throw fail(info, "broken vocabulary: `tokenizer.ggml.tokens` is empty");

  // llama.cpp reads these arrays' raw data as float32 / int32 without checking the item type.
  const arrays: Array<[key: string, itemType: string]> = [
    ["tokenizer.ggml.scores", "float32"],
    ["tokenizer.ggml.token_type", "int32"],
  ];
  for (const [key, itemType] of arrays) {
    const entry = metadata[key];
    if (entry === undefined) continue;
    if (entry.type !== "array" || entry.itemType !== itemType) {
      throw fail(info, `broken vocabulary: \`${key}\` must be an array of ${itemType}`);
    }
    if (entry.value.length !== vocabSize) {
      throw fail(
        info,
        `broken vocabulary: \`${key}\` has ${entry.value.length} entries but \`tokenizer.ggml.tokens\` has ${vocabSize}`,
      );
    }
  }

  for (const name of SPECIAL_TOKEN_KEYS) {
    const key = `tokenizer.ggml.${name}`;
    const entry = metadata[key];
    if (entry === undefined || entry.type === "array") continue;
    const id = Number(entry.value);
    // llama.cpp reads these as uint32; -1 written as int32 (or 0xFFFFFFFF) means "none".
    if (id === -1 || id === 0xffffffff) continue;
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw fail(
        info,
        `broken vocabulary: \`${key}\` = ${entry.value} is out of range (vocabulary has ${vocabSize} tokens)`,
      );
    }
  }

  // llama.cpp asserts (aborting the process) when two tokens share a text, whatever the tokenizer;
  // it reads an empty token as "[EMPTY_<id>]".
  const seen = new Map<string, number>();
  for (const [id, token] of tokens.entries()) {
    const text = token === "" ? `[EMPTY_${id}]` : token;
    const first = seen.get(text);
    if (first !== undefined) {
      throw fail(info, `broken vocabulary: duplicate token ${JSON.stringify(text)} (ids ${first} and ${id})`);
    }
    seen.set(text, id);
  }
  if (model.value === "llama") checkByteTokens(info, seen);
  checkByteTyped(info, tokens, model.value as string);

  const embedding = info.tensors.find((tensor) => tensor.name === "token_embd.weight");
  if (embedding && embedding.shape.length === 2 && embedding.shape[1] !== vocabSize) {
    throw fail(
      info,
      `token_embd.weight has ${embedding.shape[1]} rows but the vocabulary has ${vocabSize} tokens`,
    );
  }
  return vocabSize;
}

/** Byte-fallback texts as llama.cpp decodes them: it reads the two characters after `<0x`. */
const BYTE_TOKEN = /^<0x[0-9A-Fa-f]{2}>$/;

/**
 * A token typed as a byte is decoded by cutting its text (`substr(3, 2)`), which throws inside
 * llama.cpp on a short text, and aborts it outright for a WordPiece (`bert`) vocabulary.
 */
function checkByteTyped(info: GgufFileInfo, tokens: string[], model: string): void {
  const types = info.metadata["tokenizer.ggml.token_type"]?.value as number[] | undefined;
  if (types === undefined) return;
  const id = types.findIndex(
    (type, id) => type === LlamaTokenType.byte && (model === "bert" || !BYTE_TOKEN.test(tokens[id]!)),
  );
  if (id >= 0) {
    throw fail(
      info,
      `broken vocabulary: token ${id} (${JSON.stringify(tokens[id])}) is typed as a byte but is not a byte token like <0x0A>`,
    );
  }
}

/**
 * SentencePiece byte fallback: text the vocabulary cannot spell is encoded as `<0xXX>` tokens, and
 * llama.cpp looks them up unchecked (a missing `<0x0A>` aborts it while loading, others while tokenizing).
 */
function checkByteTokens(info: GgufFileInfo, ids: Map<string, number>): void {
  const missing: string[] = [];
  for (let byte = 0; byte < 256; byte++) {
    if (!ids.has(byteTokenText(byte))) missing.push(byteTokenText(byte));
  }
  if (missing.length > 0) {
    const shown =
      missing.length > 4
        ? `${missing.slice(0, 4).join(", ")}… (${missing.length} in all)`
        : missing.join(", ");
    throw fail(
      info,
      `broken vocabulary: missing byte token ${shown}; a SentencePiece ("llama") vocabulary needs all 256 <0xXX> tokens`,
    );
  }
}
