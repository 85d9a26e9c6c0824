import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DeliberateError } from "../../../src/errors.ts";
import { type GgufMetadata, gguf } from "../../../src/models/gguf/gguf-value.ts";
import { readGgufMetadata } from "../../../src/models/gguf/read-gguf-metadata.ts";
import { validateGgufFile } from "../../../src/models/gguf/validate-gguf-file.ts";
import { writeGguf } from "../../../src/models/gguf/write-gguf.ts";
import { brokenGgufKinds, brokenGgufProblems, writeBrokenGguf } from "../../helpers/broken-gguf.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-gguf-validate-"));
after(() => rm(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<DeliberateError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(DeliberateError.isInstance(error), `expected a DeliberateError, got ${error}`);
    return error;
  }
  assert.fail("expected the promise to reject");
}

test("a tiny model passes validation and reports its metadata", async () => {
  const info = await validateGgufFile(await tinyModelPath());
  assert.equal(info.metadata["general.architecture"]?.value, "llama");
  assert.equal(info.metadata["tokenizer.ggml.model"]?.value, "llama");
  assert.equal(info.tensors.length, 2 + 2 * 9 + 1);
});

test("a missing file is MODEL_NOT_FOUND naming the path", async () => {
  const path = join(dir, "nope.gguf");
  const error = await rejection(validateGgufFile(path));
  assert.equal(error.code, "MODEL_NOT_FOUND");
  assert.match(error.message, /model file not found/);
  assert.ok(error.message.includes(path));
});

test("a directory is MODEL_INVALID, not a crash", async () => {
  const path = join(dir, "folder.gguf");
  await mkdir(path);
  const error = await rejection(validateGgufFile(path));
  assert.equal(error.code, "MODEL_INVALID");
  assert.match(error.message, /not a regular file/);
});

for (const kind of brokenGgufKinds) {
  test(`a broken file (${kind}) is MODEL_INVALID with a message naming the file and the problem`, async () => {
    const path = join(dir, `${kind}.gguf`);
    await writeBrokenGguf(path, kind);
    const error = await rejection(validateGgufFile(path));
    assert.equal(error.code, "MODEL_INVALID");
    assert.ok(error.message.startsWith(`${path}: `), error.message);
    assert.match(error.message, brokenGgufProblems[kind]);
  });
}

test("truncated data still parses as metadata; only validation rejects it", async () => {
  const path = join(dir, "cut-data.gguf");
  await writeBrokenGguf(path, "truncated-data");
  const info = await readGgufMetadata(path);
  assert.equal(info.metadata["general.architecture"]?.value, "llama");
});

test("tiny and empty files are not GGUF; big-endian GGUFs are named as such", async () => {
  const empty = join(dir, "empty.gguf");
  await writeFile(empty, "");
  assert.match((await rejection(validateGgufFile(empty))).message, /not a GGUF file \(only 0 bytes\)/);
  const bigEndian = join(dir, "big-endian.gguf");
  await writeFile(bigEndian, Buffer.from([0x47, 0x47, 0x55, 0x46, 0, 0, 0, 3, ...new Array(16).fill(0)]));
  assert.match(
    (await rejection(validateGgufFile(bigEndian))).message,
    /version 50331648 \(a big-endian GGUF/,
  );
});

test("a header whose counts or lengths exceed the file is truncated, without reading gigabytes", async () => {
  const path = join(dir, "huge-count.gguf");
  const header = Buffer.alloc(24);
  header.write("GGUF", 0, "latin1");
  header.writeUInt32LE(3, 4);
  header.writeBigUInt64LE(0n, 8);
  header.writeBigUInt64LE(2n ** 60n, 16); // kv count
  await writeFile(path, header);
  const error = await rejection(validateGgufFile(path));
  assert.equal(error.code, "MODEL_INVALID");
  assert.match(
    error.message,
    /truncated: its header needs at least \d+ bytes \(while reading \d+ metadata entries/,
  );
});

/**
 * The hyperparameters every architecture needs, for an architecture we have no further rules for:
 * files that test the vocabulary or the layout, not a model.
 */
const toyHparams: GgufMetadata = {
  "general.architecture": gguf.string("toy"),
  "toy.context_length": gguf.uint32(64),
  "toy.embedding_length": gguf.uint32(4),
  "toy.block_count": gguf.uint32(1),
};

test("vocabulary rules: special ids in range, unique tokens, embedding rows match; byte tokens only for SentencePiece", async () => {
  const path = join(dir, "vocab.gguf");
  const tokens = ["a", "b", "c"];
  await writeGguf(path, {
    metadata: {
      ...toyHparams,
      "tokenizer.ggml.model": gguf.string("gpt2"),
      "tokenizer.ggml.tokens": gguf.array("string", tokens),
      "tokenizer.ggml.eos_token_id": gguf.uint32(2),
    },
    tensors: [{ name: "token_embd.weight", shape: [4, 3], data: new Float32Array(12) }],
  });
  await validateGgufFile(path);

  await writeGguf(path, {
    metadata: {
      "tokenizer.ggml.model": gguf.string("gpt2"),
      "tokenizer.ggml.tokens": gguf.array("string", tokens),
      "tokenizer.ggml.eos_token_id": gguf.uint32(3),
    },
    tensors: [],
  });
  assert.match(
    (await rejection(validateGgufFile(path))).message,
    /`tokenizer\.ggml\.eos_token_id` = 3 is out of range \(vocabulary has 3 tokens\)/,
  );

  await writeGguf(path, {
    metadata: {
      "tokenizer.ggml.model": gguf.string("gpt2"),
      "tokenizer.ggml.tokens": gguf.array("string", tokens),
    },
    tensors: [{ name: "token_embd.weight", shape: [4, 5], data: new Float32Array(20) }],
  });
  assert.match(
    (await rejection(validateGgufFile(path))).message,
    /token_embd\.weight has 5 rows but the vocabulary has 3 tokens/,
  );

  await writeGguf(path, {
    metadata: {
      "tokenizer.ggml.model": gguf.string("gpt2"),
      "tokenizer.ggml.tokens": gguf.array("string", ["x", "y", "x"]),
    },
    tensors: [],
  });
  assert.match((await rejection(validateGgufFile(path))).message, /duplicate token "x" \(ids 0 and 2\)/);

  await writeGguf(path, {
    metadata: {
      "tokenizer.ggml.model": gguf.string("gpt2"),
      "tokenizer.ggml.tokens": gguf.array("string", tokens),
      "tokenizer.ggml.token_type": gguf.array("string", ["1", "1", "1"]),
    },
    tensors: [],
  });
  assert.match(
    (await rejection(validateGgufFile(path))).message,
    /`tokenizer\.ggml\.token_type` must be an array of int32/,
  );

  await writeGguf(path, { metadata: { "tokenizer.ggml.model": gguf.string("llama") }, tensors: [] });
  assert.match((await rejection(validateGgufFile(path))).message, /`tokenizer\.ggml\.tokens` is missing/);
});

test("metadata larger than the first read (1 MiB) is read by growing the prefix", async () => {
  const path = join(dir, "big-header.gguf");
  const tokens = Array.from({ length: 60_000 }, (_, i) => `token-number-${i}`); // ~1.5 MB of strings
  await writeGguf(path, {
    metadata: {
      ...toyHparams,
      "tokenizer.ggml.model": gguf.string("gpt2"),
      "tokenizer.ggml.tokens": gguf.array("string", tokens),
    },
    tensors: [{ name: "w", shape: [2], data: new Float32Array([1, 2]) }],
  });
  const info = await validateGgufFile(path);
  const read = info.metadata["tokenizer.ggml.tokens"]!.value as string[];
  assert.equal(read.at(-1), "token-number-59999");
  assert.ok(info.dataOffset > 1 << 20);
  assert.equal(info.tensors[0]?.name, "w");
});

test("tensor data that llama.cpp could not map 32-byte aligned is refused (general.alignment 1)", async () => {
  // A one-block model: its header ends off a 32-byte boundary (the default model's happens to end on one).
  const source = await tinyModelPath({ layers: 1 });
  const bytes = new Uint8Array(await readFile(source));
  const key = new TextEncoder().encode("general.alignment");
  let at = 0;
  while (!key.every((byte, i) => bytes[at + i] === byte)) at++;
  const value = at + key.length + 4; // after the key, its uint32 type id
  assert.equal(new DataView(bytes.buffer).getUint32(value, true), 32);
  new DataView(bytes.buffer).setUint32(value, 1, true);
  const path = join(dir, "alignment-1.gguf");
  await writeFile(path, bytes);
  assert.notEqual((await readGgufMetadata(path)).dataOffset % 32, 0, "the header must end off a boundary");
  const error = await rejection(validateGgufFile(path));
  assert.match(error.message, /data starts at byte \d+, not a multiple of 32 \(general\.alignment is 1\)/);
});
