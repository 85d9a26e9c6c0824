/**
 * The hyperparameters llama.cpp's loader needs, checked before it sees the file. A missing or
 * mistyped key mostly makes llama.cpp throw (a clean load error), but some make it abort the whole
 * process: a missing `llama.attention.head_count` or `llama.feed_forward_length` gives tensors a
 * 0-sized dimension (`GGML_ASSERT(t_meta.ne[dim] >= 1)` in llama-model-loader.cpp), a `block_count`
 * of 0 or over 512 and an unknown `rope.scaling.type` fail asserts in `load_hparams`. One flipped
 * byte in a key's name is enough (the December 2026 red-team review).
 *
 * What is required, from llama.cpp as node-llama-cpp 3.21.1 and 3.22.1 bundle it (src/llama-model.cpp
 * `load_hparams`, src/models/<arch>.cpp `load_arch_hparams`, src/llama-model-loader.cpp):
 * - every architecture: `general.architecture`; `<arch>.context_length`, `.embedding_length` and
 *   `.block_count` as uint32 (`get_key` wants the exact GGUF type); expert counts that agree;
 *   per-layer keys (`feed_forward_length`, `attention.head_count`, `attention.head_count_kv`) as a
 *   uint32 or an int32/uint32 array with one entry per block; a known `rope.scaling.type`.
 * - dense attention architectures (`ATTENTION_ARCHITECTURES`): heads, key/value heads and the
 *   feed-forward width above 0 in every block, and `attention.layer_norm_rms_epsilon`.
 * - llama: the RoPE dimension equal to the head size (else llama.cpp refuses it, and its graph
 *   asserts on key and value heads of different sizes); its tensors are checked in `check-llama-tensors.ts`.
 * Architectures we have no rules for get the checks every architecture shares.
 */
import type { GgufMetadataValue } from "./gguf-value.ts";
import { type GgufFileInfo, invalidGguf } from "./read-gguf-metadata.ts";

/** llama.cpp's `LLAMA_MAX_LAYERS` and `LLAMA_MAX_EXPERTS` (src/llama-hparams.h). */
const MAX_LAYERS = 512;
const MAX_EXPERTS = 1024;

/** `LLAMA_ROPE_SCALING_TYPES` (src/llama-model.cpp); anything else fails an assert. */
const ROPE_SCALING_TYPES = new Set(["none", "linear", "yarn", "longrope"]);

/**
 * Dense-attention transformers whose tensors are sized by heads × head size and the FFN width in every
 * block, and whose `load_arch_hparams` requires the RMSNorm epsilon: 0 heads or width aborts the load.
 */
const ATTENTION_ARCHITECTURES = new Set(["llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "smollm3"]);

/** Resolved hyperparameters: what the tensor checks size their expectations with. */
export interface ModelHparams {
  architecture: string;
  /** `<arch>.context_length`, tokens. */
  contextLength: number;
  /** `<arch>.embedding_length` (E). */
  embd: number;
  /** `<arch>.block_count`. */
  layers: number;
  /** Per block: attention heads, key/value heads, feed-forward width (0 where the file has none). */
  heads: number[];
  kvHeads: number[];
  ff: number[];
  /** `<arch>.expert_count`; 0 for dense models. */
  experts: number;
  /** Size of one key / value head, and the dimensions RoPE rotates (0 without attention). */
  headDimK: number;
  headDimV: number;
  rot: number;
}

type ScalarKind = "uint32" | "float32" | "string" | "bool";
type ValueOf<K extends ScalarKind> = K extends "string" ? string : K extends "bool" ? boolean : number;

/** A scalar key of exactly this GGUF type (llama.cpp's `get_key` refuses any other), or undefined. */
function scalar<K extends ScalarKind>(info: GgufFileInfo, key: string, kind: K): ValueOf<K> | undefined {
  const entry = info.metadata[key];
  if (entry === undefined) return undefined;
  if (entry.type !== kind)
    throw invalidGguf(info.path, `\`${key}\` must be a ${kind}, not ${typeName(entry)}`);
  return entry.value as ValueOf<K>;
}

function required<K extends ScalarKind>(info: GgufFileInfo, key: string, kind: K): ValueOf<K> {
  const value = scalar(info, key, kind);
  if (value === undefined) throw invalidGguf(info.path, `missing \`${key}\` (llama.cpp requires it)`);
  return value;
}

function typeName(entry: GgufMetadataValue): string {
  return entry.type === "array" ? `an array of ${entry.itemType}` : entry.type;
}

/**
 * A per-block key: one uint32 for every block, or an array with one int32/uint32/bool per block
 * (`get_key_or_arr`). Undefined when absent.
 */
function perLayer(info: GgufFileInfo, key: string, layers: number): number[] | undefined {
  const entry = info.metadata[key];
  if (entry === undefined) return undefined;
  if (entry.type !== "array") return Array(layers).fill(scalar(info, key, "uint32"));
  if (!["uint32", "int32", "bool"].includes(entry.itemType)) {
    throw invalidGguf(
      info.path,
      `\`${key}\` must be a uint32 or an array of int32/uint32, not ${typeName(entry)}`,
    );
  }
  if (entry.value.length !== layers) {
    throw invalidGguf(
      info.path,
      `\`${key}\` has ${entry.value.length} entries but the model has ${layers} blocks`,
    );
  }
  const values = entry.value.map(Number);
  const negative = values.findIndex((value) => value < 0);
  if (negative >= 0)
    throw invalidGguf(info.path, `\`${key}\`[${negative}] = ${values[negative]} is negative`);
  return values;
}

function atLeast(
  info: GgufFileInfo,
  key: string,
  value: number,
  minimum: number,
  maximum = 2 ** 32 - 1,
): number {
  if (value < minimum || value > maximum) {
    const range = maximum === 2 ** 32 - 1 ? `>= ${minimum}` : `in ${minimum}..${maximum}`;
    throw invalidGguf(info.path, `\`${key}\` = ${value} must be ${range}`);
  }
  return value;
}

function finiteFloat(
  info: GgufFileInfo,
  key: string,
  { positive }: { positive: boolean },
): number | undefined {
  const value = scalar(info, key, "float32");
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw invalidGguf(
      info.path,
      `\`${key}\` = ${value} must be a finite number ${positive ? "> 0" : ">= 0"}`,
    );
  }
  return value;
}

/** Checks the hyperparameters llama.cpp reads for the file's architecture; returns them resolved. */
export function checkHparams(info: GgufFileInfo): ModelHparams {
  const architecture = required(info, "general.architecture", "string");
  const key = (name: string) => `${architecture}.${name}`;
  const contextLength = atLeast(
    info,
    key("context_length"),
    required(info, key("context_length"), "uint32"),
    1,
  );
  const embd = atLeast(info, key("embedding_length"), required(info, key("embedding_length"), "uint32"), 1);
  const layers = atLeast(
    info,
    key("block_count"),
    required(info, key("block_count"), "uint32"),
    1,
    MAX_LAYERS,
  );
  const nextn = scalar(info, key("nextn_predict_layers"), "uint32");
  if (nextn !== undefined) atLeast(info, key("nextn_predict_layers"), nextn, 0, layers);
  const experts = checkExperts(info, key, layers);

  const ff = perLayer(info, key("feed_forward_length"), layers) ?? Array(layers).fill(0);
  const heads = perLayer(info, key("attention.head_count"), layers) ?? Array(layers).fill(0);
  const kvHeads = perLayer(info, key("attention.head_count_kv"), layers) ?? heads;

  const scaling = scalar(info, key("rope.scaling.type"), "string");
  if (scaling !== undefined && !ROPE_SCALING_TYPES.has(scaling)) {
    throw invalidGguf(
      info.path,
      `\`${key("rope.scaling.type")}\` = ${JSON.stringify(scaling)} is not one of ${[...ROPE_SCALING_TYPES].join(", ")}`,
    );
  }
  finiteFloat(info, key("rope.freq_base"), { positive: true });
  finiteFloat(info, key("rope.scaling.factor"), { positive: false });
  finiteFloat(info, key("rope.scale_linear"), { positive: false });

  // llama.cpp sizes heads from block 0: E / heads unless the file says otherwise.
  const firstHeads = heads[0]!;
  const defaultHeadDim = firstHeads > 0 ? Math.floor(embd / firstHeads) : 0;
  const headDimK =
    firstHeads > 0 ? (scalar(info, key("attention.key_length"), "uint32") ?? defaultHeadDim) : 0;
  const headDimV =
    firstHeads > 0 ? (scalar(info, key("attention.value_length"), "uint32") ?? defaultHeadDim) : 0;
  const rot = firstHeads > 0 ? (scalar(info, key("rope.dimension_count"), "uint32") ?? headDimK) : 0;
  const hparams = {
    architecture,
    contextLength,
    embd,
    layers,
    heads,
    kvHeads,
    ff,
    experts,
    headDimK,
    headDimV,
    rot,
  };

  if (ATTENTION_ARCHITECTURES.has(architecture)) checkDenseAttention(info, hparams, key);
  if (architecture === "llama" && !(rot === headDimK && headDimK === headDimV)) {
    throw invalidGguf(
      info.path,
      `llama needs \`${key("rope.dimension_count")}\` (${rot}) equal to the key and value head sizes (${headDimK}, ${headDimV})`,
    );
  }
  return hparams;
}

function checkExperts(info: GgufFileInfo, key: (name: string) => string, layers: number): number {
  const experts = atLeast(
    info,
    key("expert_count"),
    scalar(info, key("expert_count"), "uint32") ?? 0,
    0,
    MAX_EXPERTS,
  );
  const used = Math.max(0, ...(perLayer(info, key("expert_used_count"), layers) ?? [0]));
  const groups = scalar(info, key("expert_group_count"), "uint32") ?? 0;
  const groupsUsed = scalar(info, key("expert_group_used_count"), "uint32") ?? 0;
  const problem =
    used > experts
      ? `uses ${used} experts per token of ${experts}`
      : experts > 0 && used === 0
        ? `has ${experts} experts but uses none per token`
        : experts === 0 && groups > 0
          ? `has ${groups} expert groups but no experts`
          : experts > 0 && groups >= experts
            ? `has ${groups} expert groups for ${experts} experts`
            : groups > 1 && (experts % groups !== 0 || groupsUsed === 0 || groupsUsed >= groups)
              ? `has expert groups that do not fit (${experts} experts, ${groups} groups, ${groupsUsed} used)`
              : undefined;
  if (problem)
    throw invalidGguf(info.path, `the model ${problem} (\`${key("expert_count")}\` and related keys)`);
  return experts;
}

function checkDenseAttention(info: GgufFileInfo, hparams: ModelHparams, key: (name: string) => string): void {
  required(info, key("attention.layer_norm_rms_epsilon"), "float32");
  finiteFloat(info, key("attention.layer_norm_rms_epsilon"), { positive: false });
  const perBlock: Array<[values: number[], name: string]> = [
    [hparams.heads, "attention.head_count"],
    [hparams.kvHeads, "attention.head_count_kv"],
  ];
  if (hparams.experts === 0) perBlock.push([hparams.ff, "feed_forward_length"]);
  for (const [values, name] of perBlock) {
    if (info.metadata[key(name)] === undefined && name !== "attention.head_count_kv") {
      throw invalidGguf(
        info.path,
        `missing \`${key(name)}\` (llama.cpp requires it for ${hparams.architecture})`,
      );
    }
    const block = values.findIndex((value) => value < 1);
    if (block >= 0) throw invalidGguf(info.path, `\`${key(name)}\` is 0 in block ${block}; it must be >= 1`);
  }
  const uneven = hparams.heads.findIndex((heads, block) => heads % hparams.kvHeads[block]! !== 0);
  if (uneven >= 0) {
    throw invalidGguf(
      info.path,
      `block ${uneven} has ${hparams.heads[uneven]} heads, not a multiple of its ${hparams.kvHeads[uneven]} key/value heads`,
    );
  }
  if (hparams.headDimK < 1 || hparams.headDimV < 1) {
    throw invalidGguf(
      info.path,
      `heads of size 0: \`${key("embedding_length")}\` ${hparams.embd} over ${hparams.heads[0]} heads`,
    );
  }
}
