/**
 * Broken GGUF fixtures: each kind is a real tiny model with one thing wrong, the ways files break in
 * the wild (cut-off downloads, wrong files, hand-edited vocabularies). `validateGgufFile` must reject
 * every one with `MODEL_INVALID` before llama.cpp sees it (a broken vocabulary aborts its process).
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GgufMetadata } from "../../src/models/gguf/gguf-value.ts";
import { readGgufMetadata } from "../../src/models/gguf/read-gguf-metadata.ts";
import { readGgufTensor } from "../../src/models/gguf/read-gguf-tensor.ts";
import { type GgufTensorInput, writeGguf } from "../../src/models/gguf/write-gguf.ts";
import { fixturesDir, tinyModelPath } from "./tiny-model.ts";

export type BrokenGgufKind =
  /** Not a GGUF at all (a text file). */
  | "bad-magic"
  /** GGUF magic with version 99. */
  | "bad-version"
  /** Cut off inside the metadata. */
  | "truncated-header"
  /** Complete header, but the last tensor's data is cut short (an interrupted download). */
  | "truncated-data"
  /** The SentencePiece byte token `<0x0A>` is renamed: llama.cpp 0.4.0 aborts on load (std::out_of_range). */
  | "missing-byte-token"
  /** Two tokens with the same text: llama.cpp aborts on load (GGML_ASSERT in llama-vocab.cpp). */
  | "duplicate-token"
  /** `tokenizer.ggml.scores` one shorter than `tokenizer.ggml.tokens`. */
  | "vocab-length-mismatch"
  /** `tokenizer.ggml.bos_token_id` past the end of the vocabulary. */
  | "bos-out-of-range";

export const brokenGgufKinds: BrokenGgufKind[] = [
  "bad-magic",
  "bad-version",
  "truncated-header",
  "truncated-data",
  "missing-byte-token",
  "duplicate-token",
  "vocab-length-mismatch",
  "bos-out-of-range",
];

/** A fragment of the message `validateGgufFile` gives for each kind. */
export const brokenGgufProblems: Record<BrokenGgufKind, RegExp> = {
  "bad-magic": /not a GGUF file/,
  "bad-version": /unsupported GGUF version 99/,
  "truncated-header": /truncated: its header needs/,
  "truncated-data": /truncated: tensor "output\.weight" data ends at byte \d+/,
  "missing-byte-token": /missing byte token <0x0A>/,
  "duplicate-token": /duplicate token "b"/,
  "vocab-length-mismatch": /`tokenizer\.ggml\.scores` has \d+ entries but `tokenizer\.ggml\.tokens` has \d+/,
  "bos-out-of-range": /`tokenizer\.ggml\.bos_token_id` = 100000 is out of range/,
};

/** Writes a broken GGUF of the given kind at `path`. */
export async function writeBrokenGguf(path: string, kind: BrokenGgufKind): Promise<void> {
  const source = await tinyModelPath();
  switch (kind) {
    case "bad-magic":
      await writeFile(path, "this is a text file, not a model\n");
      return;
    case "bad-version": {
      const bytes = await readFile(source);
      new DataView(bytes.buffer, bytes.byteOffset).setUint32(4, 99, true);
      await writeFile(path, bytes);
      return;
    }
    case "truncated-header":
      await writeFile(path, (await readFile(source)).subarray(0, 600));
      return;
    case "truncated-data": {
      const bytes = await readFile(source);
      await writeFile(path, bytes.subarray(0, bytes.length - 1000));
      return;
    }
    case "missing-byte-token":
      return rewriteVocab(source, path, (tokens) => {
        tokens[tokens.indexOf("<0x0A>")] = "<0x0A-renamed>";
      });
    case "duplicate-token":
      return rewriteVocab(source, path, (tokens) => {
        tokens[tokens.indexOf("c")] = "b";
      });
    case "vocab-length-mismatch":
      return rewriteVocab(source, path, (_tokens, metadata) => {
        (metadata["tokenizer.ggml.scores"]!.value as number[]).pop();
      });
    case "bos-out-of-range":
      return rewriteVocab(source, path, (_tokens, metadata) => {
        metadata["tokenizer.ggml.bos_token_id"] = { type: "uint32", value: 100000 };
      });
    default:
      throw new Error(`unknown broken GGUF kind ${kind satisfies never}`);
  }
}

/** Writes a broken fixture of this kind under the fixtures folder (atomically) and returns its path. */
export async function brokenGgufPath(kind: BrokenGgufKind): Promise<string> {
  const dir = join(fixturesDir(), "broken-v1");
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${kind}.gguf`);
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeBrokenGguf(temp, kind);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
  return path;
}

/** Copies `source` to `path` with its vocabulary edited and every tensor kept byte for byte. */
function rewriteVocab(
  source: string,
  path: string,
  edit: (tokens: string[], metadata: GgufMetadata) => void,
): Promise<void> {
  return rewriteGguf(source, path, (metadata) =>
    edit(metadata["tokenizer.ggml.tokens"]!.value as string[], metadata),
  );
}

/**
 * Copies `source` to `path` with its metadata (and optionally its tensor list) edited; tensor data
 * is kept byte for byte. Metadata keys are written in their order after the edit.
 */
export async function rewriteGguf(
  source: string,
  path: string,
  edit: (metadata: GgufMetadata, tensors: GgufTensorInput[]) => void,
): Promise<void> {
  const info = await readGgufMetadata(source);
  const metadata = structuredClone(info.metadata);
  const tensors: GgufTensorInput[] = [];
  for (const tensor of info.tensors) {
    const { bytes } = await readGgufTensor(info, tensor.name);
    tensors.push({ name: tensor.name, shape: tensor.shape, type: tensor.type, data: bytes });
  }
  edit(metadata, tensors);
  await writeGguf(path, { metadata, tensors });
}
