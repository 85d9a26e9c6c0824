import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { getLlama, LlamaChatSession, LlamaCompletion, LlamaLogLevel } from "node-llama-cpp";
import { resolveTinyModelOptions, writeTinyModel } from "../../../src/models/gguf/tiny-model.ts";
import { validateGgufFile } from "../../../src/models/gguf/validate-gguf-file.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-gguf-tiny-"));
after(() => rm(dir, { recursive: true, force: true }));

const sha = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

test("the same options and seed give the same bytes; another seed gives other weights", async () => {
  const [a, b, c] = [join(dir, "a.gguf"), join(dir, "b.gguf"), join(dir, "c.gguf")];
  await writeTinyModel(a, { seed: 5 });
  await writeTinyModel(b, { seed: 5 });
  await writeTinyModel(c, { seed: 6 });
  assert.equal(await sha(a), await sha(b));
  assert.notEqual(await sha(a), await sha(c));
});

test("the reported parameter count and file layout match what a reader finds", async () => {
  const path = join(dir, "shape.gguf");
  const result = await writeTinyModel(path, {
    layers: 3,
    embd: 32,
    heads: 4,
    kvHeads: 2,
    ff: 64,
    tensorType: "Q8_0",
  });
  const info = await validateGgufFile(path);
  const elements = info.tensors.reduce((sum, t) => sum + t.shape.reduce((p, d) => p * d, 1), 0);
  assert.equal(result.parameters, elements);
  assert.equal(info.metadata["llama.block_count"]?.value, 3);
  assert.equal(info.metadata["llama.attention.head_count_kv"]?.value, 2);
  assert.equal(info.metadata["general.file_type"]?.value, 7);
  assert.deepEqual(info.tensors.find((t) => t.name === "blk.2.attn_k.weight")?.shape, [32, 16]);
  assert.equal(info.tensors.find((t) => t.name === "blk.0.ffn_down.weight")?.type, "Q8_0");
  assert.equal(info.tensors.find((t) => t.name === "output_norm.weight")?.type, "F32");
  const tokens = info.metadata["tokenizer.ggml.tokens"]!.value as string[];
  const types = info.metadata["tokenizer.ggml.token_type"]!.value as number[];
  assert.deepEqual(tokens.slice(0, 4), ["<unk>", "<s>", "</s>", "<0x00>"]);
  assert.equal(types[tokens.indexOf("<0xFF>")], 6);
  assert.equal(types[tokens.indexOf("\u2581")], 1);
  assert.ok(tokens.includes("~") && tokens.includes("<|im_end|>"));
  assert.match(String(info.metadata["tokenizer.chat_template"]?.value), /<\|im_start\|>/);
});

test("bad options are BAD_REQUEST naming the option", () => {
  assert.throws(() => resolveTinyModelOptions({ embd: 64, heads: 5 }), {
    code: "BAD_REQUEST",
    message: /`heads`/,
  });
  assert.throws(() => resolveTinyModelOptions({ layers: 0 }), { code: "BAD_REQUEST", message: /`layers`/ });
  assert.throws(() => resolveTinyModelOptions({ embd: 48, heads: 4, tensorType: "Q8_0" }), {
    code: "BAD_REQUEST",
    message: /`tensorType`/,
  });
});

test("tinyModelPath caches by options and survives concurrent writers", async () => {
  const options = { seed: 987_654, layers: 1, embd: 16, heads: 2 };
  const first = await tinyModelPath(options);
  await rm(first);
  const paths = await Promise.all([1, 2, 3, 4].map(() => tinyModelPath(options)));
  assert.ok(paths.every((p) => p === first));
  await validateGgufFile(first);
  assert.notEqual(await tinyModelPath({ ...options, seed: 987_655 }), first);
  const leftovers = (await readdir(dirname(first))).filter((name) => name.endsWith(".tmp"));
  assert.deepEqual(leftovers, []);
});

test("node-llama-cpp loads tiny models (F16; Q8_0 with GQA), picks ChatML and generates varied printable text", async () => {
  const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: await tinyModelPath() });
  try {
    // One token per character: LlamaChatSession's default system prompt alone is ~300 tokens.
    const context = await model.createContext({ contextSize: 1024, threads: 1 });
    const sequence = context.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const samples: string[] = [];
    for (const seed of [1, 2]) {
      samples.push(
        await completion.generateCompletion("Once upon", { maxTokens: 24, temperature: 0.8, seed }),
      );
      sequence.clearHistory();
    }
    for (const sample of samples) {
      assert.ok(sample.length >= 8, `too short: ${JSON.stringify(sample)}`);
      const printable = [...sample].filter((ch) => ch >= " " && ch <= "~").length;
      assert.ok(printable / sample.length > 0.9, `not printable: ${JSON.stringify(sample)}`);
      assert.ok(new Set(sample).size >= 6, `degenerate: ${JSON.stringify(sample)}`);
    }
    assert.notEqual(samples[0], samples[1]);

    const session = new LlamaChatSession({ contextSequence: sequence });
    assert.equal(session.chatWrapper.wrapperName, "ChatML");
    const reply = await session.prompt("What is 2+2?", { maxTokens: 16, temperature: 0.8, seed: 3 });
    assert.ok(reply.length > 0);
    await context.dispose();

    // Quantised matrices and grouped-query attention load and run too.
    const variant = await llama.loadModel({
      modelPath: await tinyModelPath({ tensorType: "Q8_0", kvHeads: 2 }),
    });
    const variantContext = await variant.createContext({ contextSize: 128, threads: 1 });
    const variantCompletion = new LlamaCompletion({ contextSequence: variantContext.getSequence() });
    const text = await variantCompletion.generateCompletion("Hi", {
      maxTokens: 12,
      temperature: 0.8,
      seed: 1,
    });
    assert.ok(text.length >= 4, JSON.stringify(text));
    await variantContext.dispose();
    await variant.dispose();
  } finally {
    await model.dispose();
    await llama.dispose();
  }
});
