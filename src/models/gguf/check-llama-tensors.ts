/**
 * The tensors llama.cpp creates for a `llama` model, with the shapes the hyperparameters imply
 * (src/models/llama.cpp `load_arch_tensors`, `create_tensor_qkv` in src/llama-model.cpp). llama.cpp
 * checks these itself, but a shape it computes from a broken key can be 0 wide and abort it before
 * the check; this says what is wrong, by name, before llama.cpp runs. Shapes are ggml's, ne[0] first.
 * Tensors we do not know are left to llama.cpp (it refuses a file with unused tensors cleanly).
 */
import type { ModelHparams } from "./check-hparams.ts";
import { type GgufFileInfo, type GgufTensorInfo, invalidGguf } from "./read-gguf-metadata.ts";

/** One tensor llama.cpp asks for: its ggml shape and whether the file must have it. */
interface Expected {
  shape: number[];
  required: boolean;
}

/** The tensors of a llama model with these hyperparameters and `vocabSize` tokens, by name. */
function llamaTensors(hparams: ModelHparams, vocabSize: number): Map<string, Expected> {
  const { embd: E, layers, heads, kvHeads, ff, experts: X, headDimK: Dk, headDimV: Dv, rot } = hparams;
  const expected = new Map<string, Expected>();
  const add = (name: string, shape: number[], required = true) => expected.set(name, { shape, required });
  add("token_embd.weight", [E, vocabSize]);
  add("output_norm.weight", [E]);
  add("output.weight", [E, vocabSize], false);
  add("rope_freqs.weight", [Math.floor(rot / 2)], false);
  for (let n = 0; n < layers; n++) {
    const block = (part: string) => `blk.${n}.${part}`;
    const [q, k, v] = [Dk * heads[n]!, Dk * kvHeads[n]!, Dv * kvHeads[n]!];
    add(block("attn_norm.weight"), [E]);
    // Fused q/k/v or separate ones: checked in `checkLlamaTensors`, which needs one of the two.
    add(block("attn_qkv.weight"), [E, q + k + v], false);
    add(block("attn_qkv.bias"), [q + k + v], false);
    for (const [part, width] of [
      ["attn_q", q],
      ["attn_k", k],
      ["attn_v", v],
    ] as const) {
      add(block(`${part}.weight`), [E, width], false);
      add(block(`${part}.bias`), [width], false);
    }
    add(block("attn_output.weight"), [q, E]);
    add(block("attn_output.bias"), [E], false);
    add(block("ffn_norm.weight"), [E]);
    if (X === 0) {
      add(block("ffn_gate.weight"), [E, ff[n]!]);
      add(block("ffn_down.weight"), [ff[n]!, E]);
      add(block("ffn_up.weight"), [E, ff[n]!]);
      add(block("ffn_gate.bias"), [ff[n]!], false);
      add(block("ffn_down.bias"), [E], false);
      add(block("ffn_up.bias"), [ff[n]!], false);
    } else {
      add(block("ffn_gate_inp.weight"), [E, X]);
      add(block("ffn_gate_exps.weight"), [E, ff[n]!, X], false);
      add(block("ffn_down_exps.weight"), [ff[n]!, E, X]);
      add(block("ffn_up_exps.weight"), [E, ff[n]!, X]);
    }
  }
  return expected;
}

/** ggml pads shapes with 1s to 4 dims; `[64, 1]` and `[64]` are the same tensor shape. */
function sameShape(actual: number[], expected: number[]): boolean {
  const length = Math.max(actual.length, expected.length);
  for (let d = 0; d < length; d++) if ((actual[d] ?? 1) !== (expected[d] ?? 1)) return false;
  return true;
}

/** Throws `MODEL_INVALID` naming the first tensor that is missing or has the wrong shape. */
export function checkLlamaTensors(info: GgufFileInfo, hparams: ModelHparams, vocabSize: number): void {
  const present = new Map<string, GgufTensorInfo>(info.tensors.map((tensor) => [tensor.name, tensor]));
  const expected = llamaTensors(hparams, vocabSize);
  for (let n = 0; n < hparams.layers; n++) {
    if (present.has(`blk.${n}.attn_qkv.weight`)) continue;
    for (const part of ["attn_q", "attn_k", "attn_v"])
      expected.get(`blk.${n}.${part}.weight`)!.required = true;
  }
  for (const [name, { shape, required }] of expected) {
    const tensor = present.get(name);
    // llama.cpp skips an optional tensor it would size 0 without looking for it.
    if (!required && shape.some((dim) => dim < 1)) continue;
    if (tensor === undefined) {
      if (required) throw invalidGguf(info.path, `missing tensor "${name}" (a llama model needs it)`);
      continue;
    }
    if (!sameShape(tensor.shape, shape)) {
      throw invalidGguf(
        info.path,
        `tensor "${name}" has shape [${tensor.shape.join(", ")}] but the hyperparameters say [${shape.join(", ")}]`,
      );
    }
  }
}
