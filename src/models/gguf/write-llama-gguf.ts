/**
 * Writes a llama-architecture GGUF that llama.cpp (and so node-llama-cpp) loads: the metadata keys
 * `llama.*`, a SentencePiece ("llama") vocabulary, and the weights under llama.cpp's tensor names.
 *
 * ## Weights: names, shapes, memory layout
 * Every matrix is given the PyTorch way, `W[out][in]` flattened row-major (`in` varies fastest), which
 * is exactly ggml's layout for `ne = [in, out]` (ne[0] is ggml's fastest dimension). `y = W x`.
 * With E = embd, V = vocab size, F = ff, H = heads, Hkv = kvHeads, D = E / H (head dim):
 *
 * | tensor                      | our field             | PyTorch shape [out, in] | ggml ne     |
 * |-----------------------------|-----------------------|-------------------------|-------------|
 * | token_embd.weight           | tokenEmbd             | [V, E] (row per token)  | [E, V]      |
 * | blk.N.attn_norm.weight      | layers[N].attnNorm    | [E]                     | [E]         |
 * | blk.N.attn_q.weight         | layers[N].attnQ       | [H·D, E]                | [E, H·D]    |
 * | blk.N.attn_k.weight         | layers[N].attnK       | [Hkv·D, E]              | [E, Hkv·D]  |
 * | blk.N.attn_v.weight         | layers[N].attnV       | [Hkv·D, E]              | [E, Hkv·D]  |
 * | blk.N.attn_output.weight    | layers[N].attnOutput  | [E, H·D]                | [H·D, E]    |
 * | blk.N.ffn_norm.weight       | layers[N].ffnNorm     | [E]                     | [E]         |
 * | blk.N.ffn_gate.weight       | layers[N].ffnGate     | [F, E]                  | [E, F]      |
 * | blk.N.ffn_up.weight         | layers[N].ffnUp       | [F, E]                  | [E, F]      |
 * | blk.N.ffn_down.weight       | layers[N].ffnDown     | [E, F]                  | [F, E]      |
 * | output_norm.weight          | outputNorm            | [E]                     | [E]         |
 * | output.weight               | output (optional)     | [V, E]                  | [E, V]      |
 *
 * Without `output`, llama.cpp ties the output projection to `token_embd` (logits = token_embd · h).
 * The block computes, as llama.cpp does: `h = x + Wo·attn(rope(Wq·n), rope(Wk·n), Wv·n)` with
 * `n = rmsnorm(x)·attnNorm`, causal softmax scaled by 1/√D, grouped-query heads (query head i uses
 * kv head ⌊i·Hkv/H⌋); then `out = h + Wdown·(silu(Wgate·m) ⊙ Wup·m)` with `m = rmsnorm(h)·ffnNorm`;
 * logits = `Woutput · (rmsnorm(last)·outputNorm)`. rmsnorm(x) = x / √(mean(x²) + rmsEps).
 *
 * ## RoPE layout (the part that silently breaks a from-scratch model)
 * llama.cpp runs the `llama` architecture's RoPE in "normal" (GPT-J, interleaved) mode: inside each
 * head, dims (2i, 2i+1) form a rotated pair with angle `pos · ropeFreqBase^(-2i/D)`, i = 0..D/2-1:
 * `(a, b) → (a·cos − b·sin, a·sin + b·cos)`. Hugging Face llama code instead pairs dims (i, i + D/2)
 * ("rotate_half", NeoX style), which is why convert_hf_to_gguf permutes the rows of q and k.
 *
 * - `ropeLayout: "interleaved"` (default): rows of attnQ/attnK are written unchanged; your model must
 *   rotate adjacent pairs (2i, 2i+1) within each head, like llama.cpp.
 * - `ropeLayout: "halves"`: your model rotates (i, i + D/2) pairs (HF style); we permute the rows of
 *   attnQ and attnK per head — new row 2i+j takes old row j·D/2+i (j ∈ {0,1}) — exactly
 *   convert_hf_to_gguf's `permute`, so llama.cpp computes the same attention scores.
 * attnV and attnOutput are never permuted: the permutation cancels inside q·k.
 */
import { DeliberateError } from "../../errors.ts";
import type { GgufWritableTensorType } from "./ggml-types.ts";
import { type GgufMetadata, gguf } from "./gguf-value.ts";
import { type GgufTensorInput, type WriteGgufResult, writeGguf } from "./write-gguf.ts";

export interface LlamaHparams {
  /** Context length the model was trained for (`llama.context_length`), in tokens. */
  contextLength: number;
  /** Embedding width E. Must be divisible by `heads`; E/heads must be even (RoPE pairs). */
  embd: number;
  /** Number of transformer blocks. */
  layers: number;
  /** Attention (query) heads H. */
  heads: number;
  /** Key/value heads for grouped-query attention; divides `heads`. Default: `heads`. */
  kvHeads?: number;
  /** Hidden width F of the SwiGLU feed-forward block. */
  ff: number;
  /** RMSNorm epsilon. Default 1e-5. */
  rmsEps?: number;
  /** RoPE base θ. Default 10000. */
  ropeFreqBase?: number;
}

/** A SentencePiece vocabulary as llama.cpp's SPM tokenizer (`tokenizer.ggml.model = "llama"`) reads it. */
export interface LlamaVocab {
  /** Token texts; spaces written as `▁`; must include all 256 `<0xXX>` byte tokens. */
  tokens: string[];
  /** One score per token (SPM merge priority). */
  scores: number[];
  /** One `LlamaTokenType` per token (byte tokens 6, control 3, normal 1, unknown 2). */
  tokenTypes: number[];
  bosId: number;
  eosId: number;
  unknownId: number;
  /** End-of-turn token (e.g. `<|im_end|>`), an extra stop token for chat. */
  eotId?: number;
  paddingId?: number;
  /** Whether llama.cpp prepends BOS when tokenizing. Default true. */
  addBos?: boolean;
  /** Whether llama.cpp appends EOS when tokenizing. Default false. */
  addEos?: boolean;
}

export interface LlamaLayerWeights {
  attnNorm: Float32Array;
  attnQ: Float32Array;
  attnK: Float32Array;
  attnV: Float32Array;
  attnOutput: Float32Array;
  ffnNorm: Float32Array;
  ffnGate: Float32Array;
  ffnUp: Float32Array;
  ffnDown: Float32Array;
}

/** Weights in PyTorch layout (see the table at the top of this file). */
export interface LlamaWeights {
  tokenEmbd: Float32Array;
  layers: LlamaLayerWeights[];
  outputNorm: Float32Array;
  /** The output projection; omit to tie it to `tokenEmbd`. */
  output?: Float32Array;
}

export interface WriteLlamaGgufOptions {
  hparams: LlamaHparams;
  vocab: LlamaVocab;
  weights: LlamaWeights;
  /** Jinja chat template stored as `tokenizer.chat_template`; omit for a completion-only model. */
  chatTemplate?: string;
  /** `general.name`. Default "deliberate-llama". */
  name?: string;
  /** How matrices are stored; norms are always F32 (llama.cpp expects it). Default `F32`. */
  tensorType?: GgufWritableTensorType;
  /** Which RoPE pairing the q/k weights were trained with. Default `interleaved` (llama.cpp's). */
  ropeLayout?: "interleaved" | "halves";
  /** Extra metadata, written after ours (e.g. `general.description`, training details). */
  extraMetadata?: GgufMetadata;
}

/** llama.cpp's `llama_ftype` for each storage choice (`general.file_type`). */
const fileTypes: Record<GgufWritableTensorType, number> = { F32: 0, F16: 1, Q8_0: 7 };

/** Writes a llama GGUF; throws `BAD_REQUEST` when shapes and hparams disagree. */
export async function writeLlamaGguf(path: string, options: WriteLlamaGgufOptions): Promise<WriteGgufResult> {
  const { hparams, vocab, weights, chatTemplate, name = "deliberate-llama" } = options;
  const { tensorType = "F32", ropeLayout = "interleaved" } = options;
  const { embd, layers, heads, ff, contextLength } = hparams;
  const kvHeads = hparams.kvHeads ?? heads;
  const headDim = embd / heads;
  checkHparams(hparams, kvHeads, headDim);
  const vocabSize = vocab.tokens.length;
  if (vocab.scores.length !== vocabSize || vocab.tokenTypes.length !== vocabSize) {
    throw bad("vocab", "`tokens`, `scores` and `tokenTypes` must have the same length");
  }
  if (weights.layers.length !== layers) {
    throw bad("weights.layers", `has ${weights.layers.length} layers, hparams say ${layers}`);
  }

  const tensors: GgufTensorInput[] = [];
  const matrix = (tensorName: string, data: Float32Array, inDim: number, outDim: number) => {
    tensors.push({
      name: tensorName,
      shape: [inDim, outDim],
      type: tensorType,
      data: checked(tensorName, data, inDim * outDim),
    });
  };
  const vector = (tensorName: string, data: Float32Array) => {
    tensors.push({ name: tensorName, shape: [embd], type: "F32", data: checked(tensorName, data, embd) });
  };
  const qk = (data: Float32Array, headCount: number) =>
    ropeLayout === "halves" ? permuteHalvesToInterleaved(data, headCount, headDim, embd) : data;

  matrix("token_embd.weight", weights.tokenEmbd, embd, vocabSize);
  weights.layers.forEach((layer, n) => {
    vector(`blk.${n}.attn_norm.weight`, layer.attnNorm);
    matrix(
      `blk.${n}.attn_q.weight`,
      qk(checked(`blk.${n}.attn_q.weight`, layer.attnQ, embd * embd), heads),
      embd,
      embd,
    );
    const kvDim = kvHeads * headDim;
    matrix(
      `blk.${n}.attn_k.weight`,
      qk(checked(`blk.${n}.attn_k.weight`, layer.attnK, embd * kvDim), kvHeads),
      embd,
      kvDim,
    );
    matrix(`blk.${n}.attn_v.weight`, layer.attnV, embd, kvDim);
    matrix(`blk.${n}.attn_output.weight`, layer.attnOutput, embd, embd);
    vector(`blk.${n}.ffn_norm.weight`, layer.ffnNorm);
    matrix(`blk.${n}.ffn_gate.weight`, layer.ffnGate, embd, ff);
    matrix(`blk.${n}.ffn_up.weight`, layer.ffnUp, embd, ff);
    matrix(`blk.${n}.ffn_down.weight`, layer.ffnDown, ff, embd);
  });
  vector("output_norm.weight", weights.outputNorm);
  if (weights.output) matrix("output.weight", weights.output, embd, vocabSize);

  const metadata: GgufMetadata = {
    "general.architecture": gguf.string("llama"),
    "general.name": gguf.string(name),
    "general.file_type": gguf.uint32(fileTypes[tensorType]),
    "general.alignment": gguf.uint32(32),
    "llama.context_length": gguf.uint32(contextLength),
    "llama.embedding_length": gguf.uint32(embd),
    "llama.block_count": gguf.uint32(layers),
    "llama.feed_forward_length": gguf.uint32(ff),
    "llama.attention.head_count": gguf.uint32(heads),
    "llama.attention.head_count_kv": gguf.uint32(kvHeads),
    "llama.rope.dimension_count": gguf.uint32(headDim),
    "llama.rope.freq_base": gguf.float32(hparams.ropeFreqBase ?? 10000),
    "llama.attention.layer_norm_rms_epsilon": gguf.float32(hparams.rmsEps ?? 1e-5),
    "llama.vocab_size": gguf.uint32(vocabSize),
    "tokenizer.ggml.model": gguf.string("llama"),
    "tokenizer.ggml.tokens": gguf.array("string", vocab.tokens),
    "tokenizer.ggml.scores": gguf.array("float32", vocab.scores),
    "tokenizer.ggml.token_type": gguf.array("int32", vocab.tokenTypes),
    "tokenizer.ggml.bos_token_id": gguf.uint32(vocab.bosId),
    "tokenizer.ggml.eos_token_id": gguf.uint32(vocab.eosId),
    "tokenizer.ggml.unknown_token_id": gguf.uint32(vocab.unknownId),
    "tokenizer.ggml.add_bos_token": gguf.bool(vocab.addBos ?? true),
    "tokenizer.ggml.add_eos_token": gguf.bool(vocab.addEos ?? false),
  };
  if (vocab.eotId !== undefined) metadata["tokenizer.ggml.eot_token_id"] = gguf.uint32(vocab.eotId);
  if (vocab.paddingId !== undefined)
    metadata["tokenizer.ggml.padding_token_id"] = gguf.uint32(vocab.paddingId);
  if (chatTemplate !== undefined) metadata["tokenizer.chat_template"] = gguf.string(chatTemplate);
  Object.assign(metadata, options.extraMetadata);
  return writeGguf(path, { metadata, tensors });
}

/**
 * convert_hf_to_gguf's q/k permutation: per head, row j·D/2+i (j ∈ {0,1}) moves to row 2i+j, so
 * HF's (i, i+D/2) rotation pairs become llama.cpp's adjacent (2i, 2i+1) pairs.
 */
export function permuteHalvesToInterleaved(
  data: Float32Array,
  headCount: number,
  headDim: number,
  inDim: number,
): Float32Array {
  const out = new Float32Array(data.length);
  const half = headDim / 2;
  for (let head = 0; head < headCount; head++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const from = (head * headDim + j * half + i) * inDim;
        const to = (head * headDim + 2 * i + j) * inDim;
        out.set(data.subarray(from, from + inDim), to);
      }
    }
  }
  return out;
}

function checkHparams(hparams: LlamaHparams, kvHeads: number, headDim: number): void {
  for (const key of ["contextLength", "embd", "layers", "heads", "ff"] as const) {
    if (!Number.isInteger(hparams[key]) || hparams[key] < 1)
      throw bad(`hparams.${key}`, "must be an integer >= 1");
  }
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw bad("hparams.heads", `embd ${hparams.embd} / heads ${hparams.heads} must be an even integer`);
  }
  if (!Number.isInteger(kvHeads) || kvHeads < 1 || hparams.heads % kvHeads !== 0) {
    throw bad("hparams.kvHeads", `must divide heads (${hparams.heads})`);
  }
}

function checked(tensorName: string, data: Float32Array, expected: number): Float32Array {
  if (data.length !== expected) throw bad(tensorName, `expected ${expected} values, got ${data.length}`);
  return data;
}

function bad(param: string, problem: string): DeliberateError {
  return new DeliberateError("BAD_REQUEST", `\`${param}\` ${problem}`, { param });
}
