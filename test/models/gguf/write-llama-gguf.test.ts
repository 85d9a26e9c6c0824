import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildCharVocab } from "../../../src/models/gguf/char-vocab.ts";
import { readGgufMetadata } from "../../../src/models/gguf/read-gguf-metadata.ts";
import { readGgufTensor } from "../../../src/models/gguf/read-gguf-tensor.ts";
import {
  type LlamaWeights,
  permuteHalvesToInterleaved,
  type WriteLlamaGgufOptions,
  writeLlamaGguf,
} from "../../../src/models/gguf/write-llama-gguf.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-gguf-llama-"));
after(() => rm(dir, { recursive: true, force: true }));

test("the halves→interleaved permutation moves row j·D/2+i to 2i+j within each head", () => {
  // 2 heads of dim 4, input dim 1: row r holds the value r.
  const rows = Float32Array.from({ length: 8 }, (_, r) => r);
  // Head 0 rows [0 1 | 2 3] (halves) → pairs (0,2), (1,3) side by side → [0 2 1 3]; head 1 likewise.
  assert.deepEqual([...permuteHalvesToInterleaved(rows, 2, 4, 1)], [0, 2, 1, 3, 4, 6, 5, 7]);
  // Whole rows move together when the input dim is wider.
  const wide = Float32Array.from({ length: 8 }, (_, i) => i); // 4 rows of 2
  assert.deepEqual([...permuteHalvesToInterleaved(wide, 1, 4, 2)], [0, 1, 4, 5, 2, 3, 6, 7]);
});

const E = 8;
const vocab = buildCharVocab();
const V = vocab.tokens.length;
function weights(): LlamaWeights {
  const fill = (n: number, v: number) => new Float32Array(n).fill(v);
  return {
    tokenEmbd: Float32Array.from({ length: V * E }, (_, i) => i),
    layers: [
      {
        attnNorm: fill(E, 1),
        attnQ: Float32Array.from({ length: E * E }, (_, i) => i),
        attnK: fill(E * E, 2),
        attnV: fill(E * E, 3),
        attnOutput: fill(E * E, 4),
        ffnNorm: fill(E, 1),
        ffnGate: fill(16 * E, 5),
        ffnUp: fill(16 * E, 6),
        ffnDown: fill(E * 16, 7),
      },
    ],
    outputNorm: fill(E, 1),
  };
}
const base: WriteLlamaGgufOptions = {
  hparams: { contextLength: 32, embd: E, layers: 1, heads: 2, ff: 16 },
  vocab,
  weights: weights(),
};

test("writeLlamaGguf stores llama.cpp's names, ggml shapes and metadata types; no output means tied", async () => {
  const path = join(dir, "tied.gguf");
  await writeLlamaGguf(path, { ...base, chatTemplate: "{{ x }}", name: "unit" });
  const info = await readGgufMetadata(path);
  const shapes = Object.fromEntries(info.tensors.map((t) => [t.name, t.shape]));
  assert.deepEqual(shapes, {
    "token_embd.weight": [E, V],
    "blk.0.attn_norm.weight": [E],
    "blk.0.attn_q.weight": [E, E],
    "blk.0.attn_k.weight": [E, E],
    "blk.0.attn_v.weight": [E, E],
    "blk.0.attn_output.weight": [E, E],
    "blk.0.ffn_norm.weight": [E],
    "blk.0.ffn_gate.weight": [E, 16],
    "blk.0.ffn_up.weight": [E, 16],
    "blk.0.ffn_down.weight": [16, E],
    "output_norm.weight": [E],
  });
  const m = info.metadata;
  assert.deepEqual(m["llama.rope.dimension_count"], { type: "uint32", value: 4 });
  assert.deepEqual(m["llama.attention.head_count_kv"], { type: "uint32", value: 2 });
  assert.deepEqual(m["llama.rope.freq_base"], { type: "float32", value: 10000 });
  assert.equal(m["llama.attention.layer_norm_rms_epsilon"]?.type, "float32");
  assert.deepEqual(
    m["tokenizer.ggml.token_type"]?.type === "array" && m["tokenizer.ggml.token_type"].itemType,
    "int32",
  );
  assert.deepEqual(m["tokenizer.chat_template"], { type: "string", value: "{{ x }}" });
  assert.deepEqual(m["general.name"], { type: "string", value: "unit" });
  // Row-major [out][in] bytes are kept as they are: token 1's embedding is values 8..15.
  const embedding = (await readGgufTensor(info, "token_embd.weight")).values!;
  assert.deepEqual([...embedding.subarray(E, 2 * E)], [8, 9, 10, 11, 12, 13, 14, 15]);
});

test("ropeLayout halves permutes q and k rows and nothing else", async () => {
  const path = join(dir, "halves.gguf");
  await writeLlamaGguf(path, { ...base, ropeLayout: "halves" });
  const info = await readGgufMetadata(path);
  const q = (await readGgufTensor(info, "blk.0.attn_q.weight")).values!;
  // Head 0's rows in order 0, 2, 1, 3: row 1 of the file is original row 2 (values 16..23).
  assert.deepEqual([...q.subarray(E, 2 * E)], [16, 17, 18, 19, 20, 21, 22, 23]);
  assert.ok((await readGgufTensor(info, "blk.0.attn_v.weight")).values!.every((v) => v === 3));
});

test("shape and hparam mistakes are BAD_REQUEST naming the tensor or option", async () => {
  const path = join(dir, "bad.gguf");
  const w = weights();
  const cases: Array<[WriteLlamaGgufOptions, RegExp]> = [
    [
      { ...base, weights: { ...w, tokenEmbd: new Float32Array(5) } },
      /`token_embd\.weight` expected \d+ values, got 5/,
    ],
    [
      { ...base, weights: { ...w, layers: [{ ...w.layers[0]!, ffnDown: new Float32Array(3) }] } },
      /`blk\.0\.ffn_down\.weight`/,
    ],
    [{ ...base, hparams: { ...base.hparams, heads: 3 } }, /`hparams\.heads`/],
    [{ ...base, hparams: { ...base.hparams, kvHeads: 3 } }, /`hparams\.kvHeads`/],
    [{ ...base, hparams: { ...base.hparams, layers: 2 } }, /`weights\.layers` has 1 layers, hparams say 2/],
    [{ ...base, vocab: { ...vocab, scores: [1] } }, /`vocab`/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(writeLlamaGguf(path, options), { code: "BAD_REQUEST", message });
  }
});
