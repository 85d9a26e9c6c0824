/**
 * The shape of a lab model: a llama-architecture decoder small enough to train on two CPU cores.
 * Tensor names and [rows, cols] shapes follow llama.cpp's GGUF names for `general.architecture = llama`
 * (a weight [out, in] is row-major with `in` contiguous, which is what ggml calls ne = [in, out]).
 */
import { z } from "zod";

export const llamaConfigSchema = z.object({
  /** Tokens in the vocabulary. */
  vocabSize: z.number().int().min(2),
  /** Width of the residual stream (llama.embedding_length). */
  dim: z.number().int().min(4),
  /** Transformer blocks (llama.block_count). */
  layers: z.number().int().min(1),
  /** Attention heads; dim must be a multiple of 2·heads so each head has whole RoPE pairs. */
  heads: z.number().int().min(1),
  /** Hidden width of the SwiGLU feed-forward (llama.feed_forward_length). */
  ffnDim: z.number().int().min(1),
  /** Longest sequence the model trains on and is exported with (llama.context_length). */
  contextLength: z.number().int().min(2),
  /** RoPE base frequency (llama.rope.freq_base). Default 10000 as in llama. */
  ropeTheta: z.number().positive().default(10_000),
  /** RMSNorm epsilon (llama.attention.layer_norm_rms_epsilon). Default 1e-5. */
  normEps: z.number().positive().default(1e-5),
});

export type LlamaConfig = z.infer<typeof llamaConfigSchema>;

/** Named sizes; `vocabSize` comes from the tokenizer. */
export type PresetName = "tiny" | "reference" | "reference-large";

export const presets: Record<PresetName, Omit<LlamaConfig, "vocabSize">> = {
  // ~83K parameters with a ~290-token vocabulary: for smoke runs and short tasks (modular fits in 64).
  tiny: { dim: 48, layers: 2, heads: 2, ffnDim: 128, contextLength: 64, ropeTheta: 10_000, normEps: 1e-5 },
  // The prototype's shape (~337K parameters with a ~40-token vocabulary; it learned 4-level arithmetic
  // in ~25 min), with context 128 so synthetic arithmetic traces (up to ~105 tokens at difficulty 1) fit.
  reference: {
    dim: 96,
    layers: 3,
    heads: 4,
    ffnDim: 256,
    contextLength: 128,
    ropeTheta: 10_000,
    normEps: 1e-5,
  },
  // About 4x the reference's parameters (~1.58M with a ~290-token vocabulary): the larger model of a
  // small→large cascade or speculative pair with `reference`; same vocabulary and context, so the
  // two share prompts token for token. Wider and deeper alike (dim 96→144, layers 3→6).
  "reference-large": {
    dim: 144,
    layers: 6,
    heads: 4,
    ffnDim: 384,
    contextLength: 128,
    ropeTheta: 10_000,
    normEps: 1e-5,
  },
};

export interface TensorSpec {
  /** llama.cpp GGUF tensor name, e.g. `blk.0.attn_q.weight`. */
  name: string;
  /** Row-major shape: [rows, cols] for matrices, [n] for norm weights. */
  shape: number[];
  /** Where the tensor starts in the flat parameter buffer, in floats. */
  offset: number;
  /** rows·cols. */
  size: number;
  /** How it is initialised: `ones` for norm gains, `normal` with this std for matrices. */
  init: "ones" | { std: number };
}

/** Every tensor of the model, in GGUF order, with offsets into one flat buffer. */
export function tensorLayout(config: LlamaConfig): TensorSpec[] {
  const { vocabSize: V, dim: D, layers, ffnDim: F } = config;
  const specs: Omit<TensorSpec, "offset" | "size">[] = [];
  // GPT-2 style init: std 0.02, residual projections scaled down by sqrt(2·layers) so the residual
  // stream's variance does not grow with depth.
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * layers);
  specs.push({ name: "token_embd.weight", shape: [V, D], init: { std } });
  for (let l = 0; l < layers; l++) {
    specs.push({ name: `blk.${l}.attn_norm.weight`, shape: [D], init: "ones" });
    specs.push({ name: `blk.${l}.attn_q.weight`, shape: [D, D], init: { std } });
    specs.push({ name: `blk.${l}.attn_k.weight`, shape: [D, D], init: { std } });
    specs.push({ name: `blk.${l}.attn_v.weight`, shape: [D, D], init: { std } });
    specs.push({ name: `blk.${l}.attn_output.weight`, shape: [D, D], init: { std: residualStd } });
    specs.push({ name: `blk.${l}.ffn_norm.weight`, shape: [D], init: "ones" });
    specs.push({ name: `blk.${l}.ffn_gate.weight`, shape: [F, D], init: { std } });
    specs.push({ name: `blk.${l}.ffn_up.weight`, shape: [F, D], init: { std } });
    specs.push({ name: `blk.${l}.ffn_down.weight`, shape: [D, F], init: { std: residualStd } });
  }
  specs.push({ name: "output_norm.weight", shape: [D], init: "ones" });
  specs.push({ name: "output.weight", shape: [V, D], init: { std } });
  let offset = 0;
  return specs.map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const out = { ...spec, offset, size };
    offset += size;
    return out;
  });
}

/** Total parameters. */
export function parameterCount(config: LlamaConfig): number {
  return tensorLayout(config).reduce((sum, spec) => sum + spec.size, 0);
}
