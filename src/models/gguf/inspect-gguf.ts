/**
 * A GGUF file at a glance: what `deliberate models inspect` prints, and what backends need to know
 * before loading (context length, chat template, vocabulary). Reads only the header.
 */
import { DeliberateError } from "../../errors.ts";
import type { GgufMetadata } from "./gguf-value.ts";
import { readGgufMetadata } from "./read-gguf-metadata.ts";
import { validateGgufFile } from "./validate-gguf-file.ts";

export interface GgufInspection {
  path: string;
  /** File size in bytes. */
  fileSize: number;
  /** GGUF format version. */
  version: number;
  /** `general.architecture`, e.g. `llama`, `qwen2`. */
  architecture?: string;
  /** `general.name`. */
  name?: string;
  /** Weights in all tensors. */
  parameters: number;
  tensorCount: number;
  /** How many tensors of each ggml type, e.g. `{ F16: 13, F32: 8 }`. */
  tensorTypes: Record<string, number>;
  /** `<arch>.context_length`: the trained context, in tokens. */
  contextLength?: number;
  /** `<arch>.embedding_length`. */
  embeddingLength?: number;
  /** `<arch>.block_count`. */
  layers?: number;
  /** `<arch>.attention.head_count`. */
  heads?: number;
  /** Tokens in `tokenizer.ggml.tokens`. */
  vocabSize?: number;
  /** `tokenizer.ggml.model`: `llama` (SentencePiece), `gpt2` (BPE)… */
  tokenizerModel?: string;
  /** Whether `tokenizer.chat_template` is present. */
  hasChatTemplate: boolean;
  /** The result of `validateGgufFile`: whether llama.cpp can be given this file. */
  validation: { ok: true } | { ok: false; code: string; message: string };
}

/** Inspects the GGUF at `path`. Throws only when the header cannot be parsed at all. */
export async function inspectGguf(path: string): Promise<GgufInspection> {
  const info = await readGgufMetadata(path);
  let validation: GgufInspection["validation"] = { ok: true };
  try {
    await validateGgufFile(path);
  } catch (error) {
    if (!DeliberateError.isInstance(error)) throw error;
    validation = { ok: false, code: error.code, message: error.message };
  }
  const { metadata } = info;
  const architecture = text(metadata, "general.architecture");
  const tensorTypes: Record<string, number> = {};
  for (const tensor of info.tensors) tensorTypes[tensor.type] = (tensorTypes[tensor.type] ?? 0) + 1;
  const tokens = metadata["tokenizer.ggml.tokens"];
  return {
    path,
    fileSize: info.fileSize,
    version: info.version,
    architecture,
    name: text(metadata, "general.name"),
    parameters: info.tensors.reduce((sum, tensor) => sum + tensor.shape.reduce((p, d) => p * d, 1), 0),
    tensorCount: info.tensors.length,
    tensorTypes,
    contextLength: count(metadata, `${architecture}.context_length`),
    embeddingLength: count(metadata, `${architecture}.embedding_length`),
    layers: count(metadata, `${architecture}.block_count`),
    heads: count(metadata, `${architecture}.attention.head_count`),
    vocabSize: tokens?.type === "array" ? tokens.value.length : undefined,
    tokenizerModel: text(metadata, "tokenizer.ggml.model"),
    hasChatTemplate: typeof metadata["tokenizer.chat_template"]?.value === "string",
    validation,
  };
}

function text(metadata: GgufMetadata, key: string): string | undefined {
  const value = metadata[key]?.value;
  return typeof value === "string" ? value : undefined;
}

function count(metadata: GgufMetadata, key: string): number | undefined {
  const value = metadata[key]?.value;
  return typeof value === "number" || typeof value === "bigint" ? Number(value) : undefined;
}
