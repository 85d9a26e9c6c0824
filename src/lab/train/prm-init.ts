/**
 * Where the PRM stage's models come from: a lab checkpoint (`checkpoint.bin`, or a run folder holding
 * one), or a committed reference model, `builtin:NAME` (models/: a lab-exported F32 GGUF whose
 * training options — the SFT task, levels and seed that rebuild its data and held-out split — are in
 * models/manifest.json). Both give what `checkpointTask` reads: shape, alphabet, options and weights.
 */
import { resolve } from "node:path";
import { DeliberateError } from "../../errors.ts";
import { builtinModelPath, builtinModels } from "../../models/builtin.ts";
import type { GgufMetadataValue } from "../../models/gguf/gguf-value.ts";
import { readGgufMetadata } from "../../models/gguf/read-gguf-metadata.ts";
import { readGgufTensor } from "../../models/gguf/read-gguf-tensor.ts";
import { folderFile } from "../../util/folder-file.ts";
import { type LlamaConfig, tensorLayout } from "../model/config.ts";
import { CharTokenizer } from "../tokenizer/char-tokenizer.ts";
import { type Checkpoint, loadCheckpoint } from "./checkpoint.ts";

const BUILTIN = "builtin:";

/** A model to start from or sample with; `path` is what errors and logs name. */
export interface LabModelSource {
  /** The checkpoint file, or `builtin:NAME`. */
  path: string;
  /** Header and weights; a builtin model has no optimiser moments (empty `m` and `v`). */
  checkpoint: Checkpoint;
}

/**
 * Loads `spec`: `builtin:NAME`, a checkpoint file, or a folder with `checkpoint.bin` (a run's `--out`).
 * Errors name `param` (the option the spec came from).
 */
export async function loadLabModel(spec: string, param = "init"): Promise<LabModelSource> {
  if (spec.startsWith(BUILTIN)) {
    const name = spec.slice(BUILTIN.length);
    return { path: spec, checkpoint: await loadBuiltin(name, param) };
  }
  const path = folderFile(resolve(spec), "checkpoint.bin");
  if (path.endsWith(".gguf")) {
    throw new DeliberateError(
      "BAD_REQUEST",
      `\`${param}\`: ${spec} is a GGUF file, which does not say what task it was trained on; give its run's checkpoint.bin, or builtin:NAME for a reference model`,
      { param },
    );
  }
  return { path, checkpoint: await loadCheckpoint(path) };
}

async function loadBuiltin(name: string, param: string): Promise<Checkpoint> {
  let file: string;
  try {
    file = builtinModelPath(name);
  } catch (error) {
    throw DeliberateError.isInstance(error)
      ? new DeliberateError(error.code, error.message, { param })
      : error;
  }
  const model = builtinModels().find((m) => m.name === name)!;
  // The last training record's options: a later stage nests the SFT run's under `sft`.
  const records = Object.values(model.training) as Array<{ options?: Record<string, unknown> }>;
  const options = records.at(-1)?.options;
  if (!options) {
    throw new DeliberateError(
      "MODEL_INVALID",
      `builtin model \`${name}\` has no training options in its manifest`,
      {
        param,
      },
    );
  }
  const info = await readGgufMetadata(file);
  const tokens = info.metadata["tokenizer.ggml.tokens"];
  const tokenList = tokens?.type === "array" ? tokens.value.map(String) : [];
  // The lab's layout: <unk>, <s>, </s>, 256 byte tokens, then one character each ("▁" is a space).
  const chars = tokenList.slice(3 + 256).map((t) => (t === "\u2581" ? " " : t));
  const tokenizer = new CharTokenizer(chars);
  if (JSON.stringify(tokenizer.toLlamaVocab().tokens) !== JSON.stringify(tokenList)) {
    throw new DeliberateError(
      "MODEL_INVALID",
      `builtin model \`${name}\` (${file}) is not a lab character model`,
      {
        param,
      },
    );
  }
  const number = (key: string) => metadataNumber(info.metadata[key], `${file}: ${key}`);
  const config: LlamaConfig = {
    vocabSize: tokenizer.vocabSize,
    dim: number("llama.embedding_length"),
    layers: number("llama.block_count"),
    heads: number("llama.attention.head_count"),
    ffnDim: number("llama.feed_forward_length"),
    contextLength: number("llama.context_length"),
    ropeTheta: number("llama.rope.freq_base"),
    normEps: number("llama.attention.layer_norm_rms_epsilon"),
  };
  const layout = tensorLayout(config);
  const params = new Float32Array(layout.reduce((sum, spec) => sum + spec.size, 0));
  for (const spec of layout) {
    const tensor = await readGgufTensor(info, spec.name);
    if (tensor.values?.length !== spec.size) {
      throw new DeliberateError(
        "MODEL_INVALID",
        `${file}: tensor ${spec.name} is ${tensor.info.type} with ${tensor.values?.length ?? "?"} values, not the ${spec.size} F32 values a lab model has`,
        { param },
      );
    }
    params.set(tensor.values, spec.offset);
  }
  return {
    header: {
      config,
      chars: tokenizer.chars,
      step: 0,
      randomState: 0,
      elapsedMs: 0,
      bestAccuracy: 0,
      options,
    },
    params,
    m: new Float32Array(0),
    v: new Float32Array(0),
  };
}

/**
 * A numeric metadata value. GGUF stores ε and θ as float32, so 1e-5 reads back as 9.99999974e-6;
 * seven significant digits give back the value the lab wrote.
 */
function metadataNumber(entry: GgufMetadataValue | undefined, what: string): number {
  if (entry === undefined || entry.type === "array" || typeof entry.value !== "number") {
    throw new DeliberateError("MODEL_INVALID", `${what} is missing or not a number`);
  }
  return entry.type === "float32" ? Number(entry.value.toPrecision(7)) : entry.value;
}
