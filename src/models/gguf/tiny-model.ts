/**
 * Random-weight llama models for tests and benchmarks: real GGUF files llama.cpp loads and runs, in
 * any size from a few hundred kB to tens of MB, the same bytes for the same options.
 *
 * The weights are random but shaped so sampling gives varied printable text rather than byte soup:
 * dimension 0 of every token embedding is a constant "anchor" that attention and FFN outputs never
 * write to, so after the final RMSNorm it acts as a bias input, and the output rows use it to favour
 * printable characters over byte, control and end-of-generation tokens.
 */
import { z } from "zod";
import { DeliberateError } from "../../errors.ts";
import { parseOrBadRequest } from "../../util/parse-or-bad-request.ts";
import { buildCharVocab, CHATML_TEMPLATE } from "./char-vocab.ts";
import { SeededRandom } from "./seeded-random.ts";
import type { WriteGgufResult } from "./write-gguf.ts";
import { type LlamaLayerWeights, writeLlamaGguf } from "./write-llama-gguf.ts";

export const tinyModelOptionsSchema = z.object({
  /** Transformer blocks. Default 2. */
  layers: z.number().int().min(1).max(64).default(2),
  /** Embedding width; divisible by `heads` into an even head dim. Default 64. */
  embd: z.number().int().min(4).max(8192).default(64),
  /** Attention heads. Default 4. */
  heads: z.number().int().min(1).max(128).default(4),
  /** Key/value heads (grouped-query attention); divides `heads`. Default: `heads`. */
  kvHeads: z.number().int().min(1).max(128).optional(),
  /** Feed-forward width. Default 3 × embd. */
  ff: z.number().int().min(1).max(65536).optional(),
  /** Trained context length written to the file, in tokens. Default 2048. */
  contextLength: z
    .number()
    .int()
    .min(16)
    .max(1 << 20)
    .default(2048),
  /** PRNG seed; same options and seed give the same bytes. Default 1. */
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** The vocabulary: `chars` = <unk>, <s>, </s>, 256 byte tokens, ChatML markers, printable ASCII. */
  vocab: z.enum(["chars"]).default("chars"),
  /** Storage of the matrices. Default F16 (half the bytes, what real small models ship). */
  tensorType: z.enum(["F32", "F16", "Q8_0"]).default("F16"),
});

export type TinyModelOptions = z.input<typeof tinyModelOptionsSchema>;
export type ResolvedTinyModelOptions = z.output<typeof tinyModelOptionsSchema> & { ff: number };

export interface WriteTinyModelResult extends WriteGgufResult {
  options: ResolvedTinyModelOptions;
  /** Weights in the model, embeddings and output included. */
  parameters: number;
}

/** Bumped whenever the same options start producing different bytes (caches key on it). */
export const TINY_MODEL_VERSION = 4;

/**
 * Logit offsets carried by the anchor dimension, in nats relative to an upper-case letter or digit.
 * The random part of the logits spreads probabilities widely, so offsets act weaker than their size
 * suggests; measured at temperature 0.8 on the default model: ~10% spaces, ~0.3% byte tokens, and an
 * end-of-generation chance of ~0.2% per token.
 */
const BIAS = {
  /** `▁`: the text falls into word-length pieces. */
  space: 3.5,
  /** a–z: text reads more like words than like line noise. */
  lowercase: 1,
  /** Punctuation and symbols, less common than letters and digits in real text. */
  symbol: -1,
  /** Newline, as a byte token: occasional lines. */
  newline: -2,
  /** Other byte tokens: rare, so text stays printable. */
  byte: -7,
  /** `</s>`, `<|im_end|>`: replies are long but can end. */
  endOfGeneration: -2,
  /** `<unk>`, `<s>`, `<|im_start|>`: never wanted in output. */
  control: -12,
};
/** The anchor's value in every embedding; the other dims are N(0, 1). */
const ANCHOR = 5;
/** Std of output logits' random part, in nats: broad enough that temperature-0.8 samples vary. */
const LOGIT_SPREAD = 1.5;
/** Residual branch outputs are scaled down so the embedding (and its anchor) dominates. */
const BRANCH_GAIN = 0.3;

/** Resolves defaults and checks the options, throwing `BAD_REQUEST` naming the bad option. */
export function resolveTinyModelOptions(options: TinyModelOptions = {}): ResolvedTinyModelOptions {
  const parsed = parseOrBadRequest(tinyModelOptionsSchema, options, {
    subject: "tiny model",
    param: "options",
  });
  const resolved = { ...parsed, ff: parsed.ff ?? 3 * parsed.embd };
  const headDim = resolved.embd / resolved.heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new DeliberateError(
      "BAD_REQUEST",
      "tiny model option `heads`: embd / heads must be an even integer",
      {
        param: "heads",
      },
    );
  }
  if (resolved.tensorType === "Q8_0" && (resolved.embd % 32 !== 0 || resolved.ff % 32 !== 0)) {
    throw new DeliberateError(
      "BAD_REQUEST",
      "tiny model option `tensorType`: Q8_0 needs embd and ff multiples of 32",
      {
        param: "tensorType",
      },
    );
  }
  return resolved;
}

/** Writes a random-weight llama GGUF with a character vocabulary and a ChatML chat template. */
export async function writeTinyModel(
  path: string,
  options: TinyModelOptions = {},
): Promise<WriteTinyModelResult> {
  const resolved = resolveTinyModelOptions(options);
  const { layers, embd, heads, ff, contextLength, seed, tensorType } = resolved;
  const kvHeads = resolved.kvHeads ?? heads;
  const kvDim = (embd / heads) * kvHeads;
  const vocab = buildCharVocab();
  const vocabSize = vocab.tokens.length;
  const random = new SeededRandom(seed);

  const tokenEmbd = random.gaussians(vocabSize * embd, 1);
  for (let token = 0; token < vocabSize; token++) tokenEmbd[token * embd] = ANCHOR;

  const scale = 1 / Math.sqrt(embd);
  const ones = () => new Float32Array(embd).fill(1);
  const layerWeights: LlamaLayerWeights[] = [];
  for (let n = 0; n < layers; n++) {
    const attnOutput = random.gaussians(embd * embd, BRANCH_GAIN * scale);
    const ffnDown = random.gaussians(embd * ff, BRANCH_GAIN / Math.sqrt(ff));
    // Row 0 writes residual dim 0: keep it zero so the anchor survives every block.
    attnOutput.fill(0, 0, embd);
    ffnDown.fill(0, 0, ff);
    layerWeights.push({
      attnNorm: ones(),
      attnQ: random.gaussians(embd * embd, scale),
      attnK: random.gaussians(kvDim * embd, scale),
      attnV: random.gaussians(kvDim * embd, scale),
      attnOutput,
      ffnNorm: ones(),
      ffnGate: random.gaussians(ff * embd, scale),
      ffnUp: random.gaussians(ff * embd, scale),
      ffnDown,
    });
  }

  // After RMSNorm the anchor is about ANCHOR / rms ≈ ANCHOR / √(1 + ANCHOR²/embd); divide it out.
  const anchorAfterNorm = ANCHOR / Math.sqrt(1 + (ANCHOR * ANCHOR - 1) / embd);
  const output = random.gaussians(vocabSize * embd, LOGIT_SPREAD * scale);
  const biases = new Float32Array(vocabSize).fill(BIAS.byte);
  for (const id of vocab.printableIds) {
    const text = vocab.tokens[id]!;
    biases[id] = /[a-z]/.test(text) ? BIAS.lowercase : /[A-Z0-9]/.test(text) ? 0 : BIAS.symbol;
  }
  biases[vocab.printableIds[0]!] = BIAS.space;
  biases[vocab.tokens.indexOf("<0x0A>")] = BIAS.newline;
  for (const id of [vocab.unknownId, vocab.bosId, vocab.chatStartId]) biases[id] = BIAS.control;
  for (const id of [vocab.eosId, vocab.chatEndId]) biases[id] = BIAS.endOfGeneration;
  for (let token = 0; token < vocabSize; token++) output[token * embd] = biases[token] / anchorAfterNorm;

  const result = await writeLlamaGguf(path, {
    hparams: { contextLength, embd, layers, heads, kvHeads, ff },
    vocab,
    weights: { tokenEmbd, layers: layerWeights, outputNorm: ones(), output },
    chatTemplate: CHATML_TEMPLATE,
    name: `deliberate-tiny-${layers}x${embd}-s${seed}`,
    tensorType,
  });
  const perLayer = 2 * embd + 2 * embd * embd + 2 * embd * kvDim + 3 * embd * ff;
  const parameters = 2 * vocabSize * embd + embd + layers * perLayer;
  return { ...result, options: resolved, parameters };
}
