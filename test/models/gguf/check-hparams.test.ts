/**
 * Validation knows what llama.cpp's loader requires of a llama model: every key it reads without a
 * default, with the exact GGUF type, in range, and tensors shaped as the keys say. Each case is the
 * tiny model with one thing changed; several of them abort llama.cpp (exit 134) if they get through,
 * the first being the red-team review's: one flipped byte renames `llama.attention.head_count`.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DeliberateError } from "../../../src/errors.ts";
import { type GgufMetadata, gguf } from "../../../src/models/gguf/gguf-value.ts";
import { inspectGguf } from "../../../src/models/gguf/inspect-gguf.ts";
import { LlamaTokenType } from "../../../src/models/gguf/llama-token-type.ts";
import { validateGgufFile } from "../../../src/models/gguf/validate-gguf-file.ts";
import type { GgufTensorInput } from "../../../src/models/gguf/write-gguf.ts";
import { rewriteGguf } from "../../helpers/broken-gguf.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-gguf-hparams-"));
after(() => rm(dir, { recursive: true, force: true }));
/** Default tiny model: llama, 2 blocks, embd 64, 4 heads of 16, FFN 192, context 2048. */
const source = await tinyModelPath();

/** Renames a key in place, as a flipped byte in its name does. */
function rename(metadata: GgufMetadata, key: string, to: string): void {
  const entries = Object.entries(metadata).map(([k, v]): [string, typeof v] => [k === key ? to : k, v]);
  for (const k of Object.keys(metadata)) delete metadata[k];
  Object.assign(metadata, Object.fromEntries(entries));
}

type Edit = (metadata: GgufMetadata, tensors: GgufTensorInput[]) => void;

async function validationOf(name: string, edit: Edit): Promise<DeliberateError | undefined> {
  const path = join(dir, `${name}.gguf`);
  await rewriteGguf(source, path, edit);
  try {
    await validateGgufFile(path);
    return undefined;
  } catch (error) {
    assert.ok(DeliberateError.isInstance(error), `expected a DeliberateError, got ${error}`);
    assert.equal(error.code, "MODEL_INVALID");
    assert.ok(error.message.startsWith(`${path}: `), error.message);
    return error;
  }
}

const renamedKeys: Array<[key: string, renamed: string]> = [
  ["llama.attention.head_count", "llama.attention.head_co5nt"],
  ["llama.feed_forward_length", "llama.feez_forward_length"],
  ["llama.context_length", "llama.context_lengtx"],
  ["llama.embedding_length", "llama.embedding_lenfth"],
  ["llama.block_count", "llama.blockScount"],
  ["llama.attention.layer_norm_rms_epsilon", "llama.attention.layer_norm_rms_epsilun"],
  ["general.architecture", "general.architectur%"],
  ["tokenizer.ggml.model", "tokenizer.ggml.mode,"],
  ["tokenizer.ggml.tokens", "tokenizer.ggml.tokenz"],
];

for (const [key, renamed] of renamedKeys) {
  test(`a renamed \`${key}\` is refused, naming the key`, async () => {
    const error = await validationOf(`renamed-${key}`, (metadata) => rename(metadata, key, renamed));
    assert.ok(error, `${key} renamed to ${renamed} passed validation`);
    assert.ok(error.message.includes(`\`${key}\``), error.message);
  });
}

const broken: Array<[name: string, edit: Edit, problem: RegExp]> = [
  [
    "block_count as int32",
    (m) => {
      m["llama.block_count"] = gguf.int32(2);
    },
    /`llama\.block_count` must be a uint32, not int32/,
  ],
  [
    "block_count 0",
    (m) => {
      m["llama.block_count"] = gguf.uint32(0);
    },
    /`llama\.block_count` = 0 must be in 1\.\.512/,
  ],
  [
    "block_count 2^31 + 2",
    (m) => {
      m["llama.block_count"] = gguf.uint32(2 ** 31 + 2);
    },
    /`llama\.block_count` = 2147483650 must be in 1\.\.512/,
  ],
  [
    "block_count 3 with two blocks of tensors",
    (m) => {
      m["llama.block_count"] = gguf.uint32(3);
    },
    /missing tensor "blk\.2\.attn_norm\.weight"/,
  ],
  [
    "head_count 0",
    (m) => {
      m["llama.attention.head_count"] = gguf.uint32(0);
    },
    /`llama\.attention\.head_count` is 0 in block 0/,
  ],
  [
    "head_count 5 (tensors sized for 4)",
    (m) => {
      m["llama.attention.head_count"] = gguf.uint32(5);
    },
    /block 0 has 5 heads, not a multiple of its 4 key\/value heads/,
  ],
  [
    "head_count_kv 3 (4 heads)",
    (m) => {
      m["llama.attention.head_count_kv"] = gguf.uint32(3);
    },
    /4 heads, not a multiple of its 3 key\/value heads/,
  ],
  [
    "head_count_kv 0",
    (m) => {
      m["llama.attention.head_count_kv"] = gguf.uint32(0);
    },
    /`llama\.attention\.head_count_kv` is 0 in block 0/,
  ],
  [
    "a per-block head_count array of the wrong length",
    (m) => {
      m["llama.attention.head_count"] = gguf.array("int32", [4, 4, 4]);
    },
    /`llama\.attention\.head_count` has 3 entries but the model has 2 blocks/,
  ],
  [
    "feed_forward_length as a float",
    (m) => {
      m["llama.feed_forward_length"] = gguf.float32(192);
    },
    /`llama\.feed_forward_length` must be a uint32, not float32/,
  ],
  [
    "feed_forward_length 193 (tensors sized for 192)",
    (m) => {
      m["llama.feed_forward_length"] = gguf.uint32(193);
    },
    /tensor "blk\.0\.ffn_gate\.weight" has shape \[64, 192\] but the hyperparameters say \[64, 193\]/,
  ],
  [
    "embedding_length 65",
    (m) => {
      m["llama.embedding_length"] = gguf.uint32(65);
    },
    /tensor "token_embd\.weight" has shape \[64, \d+\] but the hyperparameters say \[65, \d+\]/,
  ],
  [
    "rope dimension 8 (heads of 16)",
    (m) => {
      m["llama.rope.dimension_count"] = gguf.uint32(8);
    },
    /`llama\.rope\.dimension_count` \(8\) equal to the key and value head sizes \(16, 16\)/,
  ],
  [
    "an unknown rope scaling type",
    (m) => {
      m["llama.rope.scaling.type"] = gguf.string("linecr");
    },
    /`llama\.rope\.scaling\.type` = "linecr" is not one of none, linear, yarn, longrope/,
  ],
  [
    "a NaN RMSNorm epsilon",
    (m) => {
      m["llama.attention.layer_norm_rms_epsilon"] = gguf.float32(Number.NaN);
    },
    /`llama\.attention\.layer_norm_rms_epsilon` = NaN must be a finite number/,
  ],
  [
    "experts used without experts",
    (m) => {
      m["llama.expert_used_count"] = gguf.uint32(2);
    },
    /uses 2 experts per token of 0/,
  ],
  [
    "a missing tensor",
    (_m, tensors) => {
      tensors.find((t) => t.name === "blk.1.ffn_up.weight")!.name = "blk.1.ffn_uq.weight";
    },
    /missing tensor "blk\.1\.ffn_up\.weight"/,
  ],
  [
    "a letter typed as a byte token",
    (m) => {
      const tokens = m["tokenizer.ggml.tokens"]!.value as string[];
      (m["tokenizer.ggml.token_type"]!.value as number[])[tokens.indexOf("a")] = LlamaTokenType.byte;
    },
    /token \d+ \("a"\) is typed as a byte but is not a byte token/,
  ],
  [
    "no vocabulary",
    (m) => {
      m["tokenizer.ggml.model"] = gguf.string("none");
    },
    /no vocabulary \(`tokenizer\.ggml\.model` = "none"\)/,
  ],
];

for (const [name, edit, problem] of broken) {
  test(`${name} is refused`, async () => {
    const error = await validationOf(name.replaceAll(/\W+/g, "-"), edit);
    assert.ok(error, `${name} passed validation`);
    assert.match(error.message, problem);
  });
}

test("optional keys may be absent, and per-block keys may be arrays", async () => {
  const error = await validationOf("optional", (m) => {
    delete m["llama.attention.head_count_kv"];
    delete m["llama.rope.dimension_count"];
    delete m["llama.rope.freq_base"];
    delete m["llama.vocab_size"];
    m["llama.attention.head_count"] = gguf.array("int32", [4, 4]);
    m["llama.feed_forward_length"] = gguf.array("uint32", [192, 192]);
    m["llama.rope.scaling.type"] = gguf.string("linear");
  });
  assert.equal(error, undefined, error?.message);
});

test("inspect reports the renamed head count as invalid (the review's file: inspect called it valid)", async () => {
  const path = join(dir, "inspect-renamed-head-count.gguf");
  await rewriteGguf(source, path, (metadata) =>
    rename(metadata, "llama.attention.head_count", "llama.attention.head_co5nt"),
  );
  const inspection = await inspectGguf(path);
  assert.equal(inspection.heads, undefined);
  assert.deepEqual(inspection.validation, {
    ok: false,
    code: "MODEL_INVALID",
    message: `${path}: missing \`llama.attention.head_count\` (llama.cpp requires it for llama)`,
  });
});
