/**
 * The layout contract of writeLlamaGguf, checked against real llama.cpp: a reference forward pass
 * written from the doc comment (PyTorch weight layout, RoPE pairing, SwiGLU, RMSNorm) must give the
 * next-token distribution llama.cpp computes from the file. If the doc and the writer disagree with
 * llama.cpp (say, on which dims RoPE pairs up), this fails — which is what the lab relies on.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type ControlledEvaluateInputItem, getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { buildCharVocab } from "../../../src/models/gguf/char-vocab.ts";
import { SeededRandom } from "../../../src/models/gguf/seeded-random.ts";
import {
  type LlamaHparams,
  type LlamaWeights,
  writeLlamaGguf,
} from "../../../src/models/gguf/write-llama-gguf.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-gguf-layout-"));
const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
after(async () => {
  await llama.dispose();
  await rm(dir, { recursive: true, force: true });
});

const hparams: Required<LlamaHparams> = {
  contextLength: 64,
  embd: 32,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  ff: 48,
  rmsEps: 1e-5,
  ropeFreqBase: 10000,
};
const vocab = buildCharVocab();
const V = vocab.tokens.length;

function randomWeights(seed: number): LlamaWeights {
  const { embd: E, heads: H, kvHeads: Hkv, ff: F } = hparams;
  const D = E / H;
  const random = new SeededRandom(seed);
  const norm = () => Float32Array.from({ length: E }, () => 1 + 0.3 * random.gaussian());
  // Large q/k weights make attention sharp, so positions (and so RoPE) change the output a lot.
  const layers = Array.from({ length: hparams.layers }, () => ({
    attnNorm: norm(),
    attnQ: random.gaussians(H * D * E, 3 / Math.sqrt(E)),
    attnK: random.gaussians(Hkv * D * E, 3 / Math.sqrt(E)),
    attnV: random.gaussians(Hkv * D * E, 1 / Math.sqrt(E)),
    attnOutput: random.gaussians(E * H * D, 1 / Math.sqrt(E)),
    ffnNorm: norm(),
    ffnGate: random.gaussians(F * E, 1 / Math.sqrt(E)),
    ffnUp: random.gaussians(F * E, 1 / Math.sqrt(E)),
    ffnDown: random.gaussians(E * F, 1 / Math.sqrt(F)),
  }));
  return {
    tokenEmbd: random.gaussians(V * E, 1),
    layers,
    outputNorm: norm(),
    output: random.gaussians(V * E, 2 / Math.sqrt(E)),
  };
}

/** y = W x for W given as [out][in] row-major. */
function matVec(w: Float32Array, x: Float64Array, outDim: number): Float64Array {
  const inDim = x.length;
  const y = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let sum = 0;
    for (let i = 0; i < inDim; i++) sum += w[o * inDim + i] * x[i];
    y[o] = sum;
  }
  return y;
}

function rmsNorm(x: Float64Array, weight: Float32Array): Float64Array {
  const meanSquare = x.reduce((sum, v) => sum + v * v, 0) / x.length;
  const scale = 1 / Math.sqrt(meanSquare + hparams.rmsEps);
  return x.map((v, i) => v * scale * weight[i]);
}

/** Rotates each head of `v` in place; `pairs` picks which dims rotate together. */
function rope(v: Float64Array, headCount: number, position: number, pairs: "interleaved" | "halves"): void {
  const D = hparams.embd / hparams.heads;
  for (let h = 0; h < headCount; h++) {
    for (let i = 0; i < D / 2; i++) {
      const angle = position * hparams.ropeFreqBase ** ((-2 * i) / D);
      const [a, b] =
        pairs === "interleaved" ? [h * D + 2 * i, h * D + 2 * i + 1] : [h * D + i, h * D + i + D / 2];
      const [x, y] = [v[a], v[b]];
      v[a] = x * Math.cos(angle) - y * Math.sin(angle);
      v[b] = x * Math.sin(angle) + y * Math.cos(angle);
    }
  }
}

/** The next-token distribution after each prefix of `tokens`, computed as the doc comment says. */
function referenceProbabilities(
  weights: LlamaWeights,
  tokens: number[],
  pairs: "interleaved" | "halves",
): Float64Array[] {
  const { embd: E, heads: H, kvHeads: Hkv, ff: F } = hparams;
  const D = E / H;
  const keys: Float64Array[][] = weights.layers.map(() => []);
  const values: Float64Array[][] = weights.layers.map(() => []);
  return tokens.map((token, position) => {
    let x = Float64Array.from(weights.tokenEmbd.subarray(token * E, (token + 1) * E));
    weights.layers.forEach((layer, l) => {
      const n = rmsNorm(x, layer.attnNorm);
      const q = matVec(layer.attnQ, n, H * D);
      const k = matVec(layer.attnK, n, Hkv * D);
      rope(q, H, position, pairs);
      rope(k, Hkv, position, pairs);
      keys[l].push(k);
      values[l].push(matVec(layer.attnV, n, Hkv * D));
      const attended = new Float64Array(H * D);
      for (let h = 0; h < H; h++) {
        const kvHead = Math.floor((h * Hkv) / H);
        const scores = keys[l].map((key) => {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[h * D + d] * key[kvHead * D + d];
          return dot / Math.sqrt(D);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        exps.forEach((e, s) => {
          for (let d = 0; d < D; d++) attended[h * D + d] += (e / total) * values[l][s][kvHead * D + d];
        });
      }
      const attnOut = matVec(layer.attnOutput, attended, E);
      x = x.map((v, i) => v + attnOut[i]);
      const m = rmsNorm(x, layer.ffnNorm);
      const gate = matVec(layer.ffnGate, m, F);
      const up = matVec(layer.ffnUp, m, F);
      const hidden = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
      const down = matVec(layer.ffnDown, hidden, E);
      x = x.map((v, i) => v + down[i]);
    });
    const logits = matVec(weights.output!, rmsNorm(x, weights.outputNorm), V);
    const max = Math.max(...logits);
    const exps = logits.map((v) => Math.exp(v - max));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  });
}

/** llama.cpp's next-token distributions for the same tokens, at temperature 1 with no truncation. */
async function llamaProbabilities(path: string, tokens: number[]): Promise<Float64Array[]> {
  const model = await llama.loadModel({ modelPath: path });
  try {
    const context = await model.createContext({ contextSize: 64, threads: 1 });
    const sequence = context.getSequence();
    const options = { temperature: 1, topK: V, topP: 1, minP: 0 };
    const results = await sequence.controlledEvaluate(
      tokens.map(
        (token): ControlledEvaluateInputItem => [
          token as Token,
          { generateNext: { probabilities: true, options } },
        ],
      ),
    );
    await context.dispose();
    return results.map((result) => {
      const out = new Float64Array(V);
      for (const [token, probability] of result!.next.probabilities!) out[token] = probability;
      return out;
    });
  } finally {
    await model.dispose();
  }
}

function maxDifference(a: Float64Array[], b: Float64Array[]): number {
  let worst = 0;
  a.forEach((row, t) => {
    row.forEach((p, i) => {
      worst = Math.max(worst, Math.abs(p - b[t][i]));
    });
  });
  return worst;
}

// "Hi there" as char tokens after BOS: <s> H i ▁ t h e r e
const text = "Hi there";
const tokens = [vocab.bosId, ...[...text].map((c) => vocab.tokens.indexOf(c === " " ? "\u2581" : c))];

for (const layout of ["interleaved", "halves"] as const) {
  test(`llama.cpp computes the documented forward pass for ropeLayout "${layout}"`, async () => {
    const weights = randomWeights(11);
    const expected = referenceProbabilities(weights, tokens, layout);
    const right = join(dir, `${layout}.gguf`);
    await writeLlamaGguf(right, { hparams, vocab, weights, tensorType: "F32", ropeLayout: layout });
    const matched = maxDifference(await llamaProbabilities(right, tokens), expected);
    assert.ok(matched < 0.01, `max probability difference ${matched}`);

    // The same weights declared with the other layout must not match: RoPE pairing is observable.
    const wrong = join(dir, `${layout}-wrong.gguf`);
    const other = layout === "interleaved" ? "halves" : "interleaved";
    await writeLlamaGguf(wrong, { hparams, vocab, weights, tensorType: "F32", ropeLayout: other });
    const mismatched = maxDifference(await llamaProbabilities(wrong, tokens), expected);
    assert.ok(mismatched > 0.05, `wrong layout differs by only ${mismatched}`);
  });
}
