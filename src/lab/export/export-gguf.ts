/**
 * Exports a lab model as a llama GGUF through the shared writer (src/models/gguf). Our tensors are
 * already in the writer's layout ([out, in] row-major, q/k in llama.cpp's adjacent-pair RoPE order),
 * so export is a rename. Matrices default to F32 so llama.cpp reproduces our probabilities to ~1e-6.
 */
import type { GgufWritableTensorType } from "../../models/gguf/ggml-types.ts";
import { gguf } from "../../models/gguf/gguf-value.ts";
import type { WriteGgufResult } from "../../models/gguf/write-gguf.ts";
import { writeLlamaGguf } from "../../models/gguf/write-llama-gguf.ts";
import type { LlamaModel } from "../model/llama-model.ts";
import type { CharTokenizer } from "../tokenizer/char-tokenizer.ts";

export interface ExportGgufOptions {
  /** `general.name`. Default "deliberate-lab". */
  name?: string;
  /** Storage of the matrices. Default F32 (exact); F16 halves the file. */
  tensorType?: GgufWritableTensorType;
  /** Written as `general.description`, e.g. the task and training steps. */
  description?: string;
}

/**
 * Writes `model` with `tokenizer`'s vocabulary to `path`. The model is completion-only (no chat
 * template): prompts are raw text, `question + "\n"`, after the <s> that llama.cpp adds.
 */
export async function exportGguf(
  path: string,
  model: LlamaModel,
  tokenizer: CharTokenizer,
  { name = "deliberate-lab", tensorType = "F32", description }: ExportGgufOptions = {},
): Promise<WriteGgufResult> {
  const { config } = model;
  const t = (tensorName: string) => model.tensor(tensorName).slice();
  return writeLlamaGguf(path, {
    name,
    tensorType,
    hparams: {
      contextLength: config.contextLength,
      embd: config.dim,
      layers: config.layers,
      heads: config.heads,
      ff: config.ffnDim,
      rmsEps: config.normEps,
      ropeFreqBase: config.ropeTheta,
    },
    vocab: tokenizer.toLlamaVocab(),
    weights: {
      tokenEmbd: t("token_embd.weight"),
      layers: Array.from({ length: config.layers }, (_, l) => ({
        attnNorm: t(`blk.${l}.attn_norm.weight`),
        attnQ: t(`blk.${l}.attn_q.weight`),
        attnK: t(`blk.${l}.attn_k.weight`),
        attnV: t(`blk.${l}.attn_v.weight`),
        attnOutput: t(`blk.${l}.attn_output.weight`),
        ffnNorm: t(`blk.${l}.ffn_norm.weight`),
        ffnGate: t(`blk.${l}.ffn_gate.weight`),
        ffnUp: t(`blk.${l}.ffn_up.weight`),
        ffnDown: t(`blk.${l}.ffn_down.weight`),
      })),
      outputNorm: t("output_norm.weight"),
      output: t("output.weight"),
    },
    extraMetadata: {
      // llama.cpp's SPM tokenizer would otherwise prepend "▁" to every text; we train without it.
      "tokenizer.ggml.add_space_prefix": gguf.bool(false),
      ...(description === undefined ? {} : { "general.description": gguf.string(description) }),
    },
  });
}
