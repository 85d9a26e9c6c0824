import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { exportGguf } from "../../../src/lab/export/export-gguf.ts";
import { LlamaModel } from "../../../src/lab/model/llama-model.ts";
import { Random } from "../../../src/lab/random.ts";
import { CharTokenizer } from "../../../src/lab/tokenizer/char-tokenizer.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-lab-export-"));
after(() => rm(dir, { recursive: true, force: true }));

const tokenizer = CharTokenizer.fromTexts(["0123456789+-*/=()# mod"]);
const config = {
  vocabSize: tokenizer.vocabSize,
  dim: 32,
  layers: 2,
  heads: 4,
  ffnDim: 48,
  contextLength: 64,
  ropeTheta: 10_000,
  normEps: 1e-5,
};

/** A random model with weights large enough that its next-token distributions are far from uniform. */
function randomModel(): LlamaModel {
  const model = new LlamaModel(config, { seed: 5 });
  const random = new Random(3);
  for (let i = 0; i < model.params.length; i++) model.params[i] += random.normal() * 0.3;
  return model;
}

function softmaxRow(logits: Float32Array, row: number, V: number): Float64Array {
  const out = new Float64Array(V);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[row * V + i]);
  let sum = 0;
  for (let i = 0; i < V; i++) sum += out[i] = Math.exp(logits[row * V + i] - max);
  for (let i = 0; i < V; i++) out[i] /= sum;
  return out;
}

test("export: llama.cpp and our forward pass agree on next-token probabilities (<= 1e-4)", async () => {
  const model = randomModel();
  const path = join(dir, "random.gguf");
  await exportGguf(path, model, tokenizer);
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const loaded = await llama.loadModel({ modelPath: path });
  // F32 KV cache and no flash attention: llama.cpp's defaults round k/v to F16 (~1e-4 off alone).
  const context = await loaded.createContext({
    contextSize: config.contextLength,
    threads: 1,
    flashAttention: false,
    experimentalKvCacheKeyType: "F32",
    experimentalKvCacheValueType: "F32",
  });
  try {
    const prompts = ["12 mod 5=2\n#### 2", "(3+4)*2=14\n#### 14", "9-8/2=5", "0"];
    const V = config.vocabSize;
    let worst = 0;
    let peak = 0;
    const sequence = context.getSequence();
    for (const prompt of prompts) {
      const ids = [CharTokenizer.bosId, ...tokenizer.encode(prompt)];
      // Our tokenizer and llama.cpp's SPM tokenizer give the same ids for the same text.
      assert.deepEqual(
        loaded.tokenize(prompt).map(Number),
        tokenizer.encode(prompt),
        `tokenization of ${JSON.stringify(prompt)}`,
      );
      await sequence.clearHistory();
      const results = await sequence.controlledEvaluate(
        ids.map((id) => [
          id as Token,
          { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } },
        ]),
      );
      const T = ids.length;
      model.forward(new Int32Array(ids), new Int32Array(T).fill(-1), 1, T);
      for (let t = 0; t < T; t++) {
        const ours = softmaxRow(model.logits, t, V);
        const theirs = results[t]?.next?.probabilities;
        assert.ok(theirs, `llama.cpp gave no probabilities at position ${t}`);
        for (let i = 0; i < V; i++) {
          worst = Math.max(worst, Math.abs(ours[i] - (theirs.get(i as Token) ?? 0)));
          peak = Math.max(peak, ours[i]);
        }
      }
    }
    assert.ok(worst <= 1e-4, `max |p_ours − p_llama.cpp| = ${worst}`);
    // The distributions are peaked, so agreement is not just two near-uniform vectors.
    assert.ok(peak > 0.5, `peak probability ${peak}`);
  } finally {
    await context.dispose();
    await loaded.dispose();
  }
});

test("export: characters outside the alphabet round-trip through byte tokens", () => {
  const text = "3+4=7\n#### é";
  const ids = tokenizer.encode(text);
  assert.equal(tokenizer.decode(ids), text);
  // "\n" is the byte token <0x0A> = 3 + 10; "é" is two UTF-8 bytes.
  assert.ok(ids.includes(13));
  assert.equal(ids.length, [...text].length + 1);
});
