import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { readGgufFileInfo } from "node-llama-cpp";
import { type GgufMetadata, gguf } from "../../../src/models/gguf/gguf-value.ts";
import { readGgufMetadata } from "../../../src/models/gguf/read-gguf-metadata.ts";
import { readGgufTensor } from "../../../src/models/gguf/read-gguf-tensor.ts";
import { SeededRandom } from "../../../src/models/gguf/seeded-random.ts";
import { writeGguf } from "../../../src/models/gguf/write-gguf.ts";

const dir = await mkdtemp(join(tmpdir(), "deliberate-gguf-write-"));
after(() => rm(dir, { recursive: true, force: true }));

/** One key of every value type, plus arrays of several item types, an empty array and nested arrays. */
const everyType: GgufMetadata = {
  "general.architecture": gguf.string("test"),
  "t.uint8": gguf.uint8(255),
  "t.int8": gguf.int8(-128),
  "t.uint16": gguf.uint16(65535),
  "t.int16": gguf.int16(-32768),
  "t.uint32": gguf.uint32(4294967295),
  "t.int32": gguf.int32(-2147483648),
  "t.float32": gguf.float32(0.5),
  "t.float64": gguf.float64(Math.PI),
  "t.uint64": gguf.uint64(18446744073709551615n),
  "t.int64": gguf.int64(-9223372036854775808n),
  "t.bool.true": gguf.bool(true),
  "t.bool.false": gguf.bool(false),
  "t.string.unicode": gguf.string("▁héllo 世界 🙂"),
  "t.string.empty": gguf.string(""),
  "t.array.string": gguf.array("string", ["a", "", "▁b"]),
  "t.array.float32": gguf.array("float32", [1.5, -2.25, 0]),
  "t.array.int32": gguf.array("int32", [-1, 0, 7]),
  "t.array.uint8": gguf.array("uint8", [0, 128, 255]),
  "t.array.bool": gguf.array("bool", [true, false]),
  "t.array.uint64": gguf.array("uint64", [0n, 2n ** 63n]),
  "t.array.empty": gguf.array("int32", []),
  "t.array.nested": gguf.array("array", [["x", "y"], ["z"]]),
};

test("metadata of every value type survives a write/read round trip with its type", async () => {
  const path = join(dir, "kv.gguf");
  await writeGguf(path, { metadata: everyType, tensors: [] });
  const info = await readGgufMetadata(path);
  assert.equal(info.version, 3);
  assert.equal(info.tensors.length, 0);
  assert.deepEqual(Object.keys(info.metadata), Object.keys(everyType));
  assert.deepEqual(info.metadata, {
    ...everyType,
    "t.array.nested": { type: "array", itemType: "array", value: [["x", "y"], ["z"]] },
  });
  // The first bytes are the magic, version 3, tensor count 0, kv count.
  const bytes = await readFile(path);
  assert.equal(bytes.subarray(0, 4).toString("latin1"), "GGUF");
  assert.equal(bytes.readUInt32LE(4), 3);
  assert.equal(bytes.readBigUInt64LE(8), 0n);
  assert.equal(bytes.readBigUInt64LE(16), BigInt(Object.keys(everyType).length));
});

test("node-llama-cpp's own GGUF parser reads our metadata identically", async () => {
  const path = join(dir, "kv-nlc.gguf");
  await writeGguf(path, { metadata: everyType, tensors: [] });
  const theirs = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
  assert.equal(theirs.version, 3);
  const raw = theirs.metadata as unknown as Record<string, Record<string, unknown>>;
  assert.equal(raw.t.uint32, 4294967295);
  assert.equal(raw.t.int64, -9223372036854775808n);
  assert.equal(raw.t.float64, Math.PI);
  assert.deepEqual((raw.t.string as Record<string, unknown>).unicode, "▁héllo 世界 🙂");
  assert.deepEqual((raw.t.array as Record<string, unknown>).string, ["a", "", "▁b"]);
  assert.deepEqual((raw.t.array as Record<string, unknown>).nested, [["x", "y"], ["z"]]);
});

test("tensors are aligned, offsets are relative to the data section, and values read back", async () => {
  const random = new SeededRandom(3);
  const a = random.gaussians(3, 1); // 12 bytes: the next tensor must skip to the alignment
  const b = random.gaussians(64 * 2, 1);
  const c = random.gaussians(32 * 3, 1);
  const d = random.gaussians(5 * 2 * 3, 1);
  for (const alignment of [32, 64]) {
    const path = join(dir, `tensors-${alignment}.gguf`);
    const metadata: GgufMetadata = { "general.architecture": gguf.string("test") };
    if (alignment !== 32) metadata["general.alignment"] = gguf.uint32(alignment);
    const written = await writeGguf(path, {
      metadata,
      tensors: [
        { name: "a", shape: [3], data: a },
        { name: "b", shape: [64, 2], type: "F16", data: b },
        { name: "c", shape: [32, 3], type: "Q8_0", data: c },
        { name: "d", shape: [5, 2, 3], type: "F32", data: d },
      ],
    });
    // Not a model (no vocabulary or hyperparameters): its layout is what is checked here.
    const info = await readGgufMetadata(path);
    assert.equal(info.alignment, alignment);
    assert.equal(info.dataOffset % alignment, 0);
    assert.equal(info.dataOffset, written.dataOffset);
    assert.equal((await stat(path)).size, written.bytes);
    assert.deepEqual(
      info.tensors.map((t) => [t.name, t.type, t.shape, t.offset, t.byteSize]),
      [
        ["a", "F32", [3], 0, 12],
        ["b", "F16", [64, 2], alignment, 256],
        ["c", "Q8_0", [32, 3], alignment + 256, 102],
        ["d", "F32", [5, 2, 3], Math.ceil((alignment + 256 + 102) / alignment) * alignment, 120],
      ],
    );
    for (const tensor of info.tensors) assert.equal(tensor.offset % alignment, 0);
    assert.deepEqual((await readGgufTensor(info, "a")).values, a);
    assert.deepEqual((await readGgufTensor(info, "d")).values, d);
    const half = (await readGgufTensor(info, "b")).values!;
    assert.ok(half.every((v, i) => Math.abs(v - b[i]) < 2e-3 * Math.max(1, Math.abs(b[i]))));
    const q8 = (await readGgufTensor(info, "c")).values!;
    assert.ok(q8.every((v, i) => Math.abs(v - c[i]) < 0.03));

    const theirs = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
    assert.deepEqual(
      theirs.tensorInfo?.map((t) => [t.name, t.dimensions.map(Number), Number(t.offset)]),
      info.tensors.map((t) => [t.name, t.shape, t.offset]),
    );
  }
});

test("the writer rejects bad tensors and mistyped metadata with BAD_REQUEST naming the culprit", async () => {
  const path = join(dir, "bad.gguf");
  const cases: Array<[Parameters<typeof writeGguf>[1], RegExp]> = [
    [
      { metadata: {}, tensors: [{ name: "x", shape: [4], data: new Float32Array(3) }] },
      /`x`.*holds 4 values but data has 3/,
    ],
    [
      { metadata: {}, tensors: [{ name: "q", shape: [16], type: "Q8_0", data: new Float32Array(16) }] },
      /`q`.*multiple of 32/,
    ],
    [
      {
        metadata: {},
        tensors: [
          { name: "x", shape: [1], data: new Float32Array(1) },
          { name: "x", shape: [1], data: new Float32Array(1) },
        ],
      },
      /`x`: duplicate name/,
    ],
    [{ metadata: { "k.u8": gguf.uint8(256) }, tensors: [] }, /`k\.u8`: 256 is not a valid uint8/],
    [{ metadata: { "k.u32": gguf.uint32(-1) }, tensors: [] }, /`k\.u32`: -1 is not a valid uint32/],
    [{ metadata: { "k.s": { type: "string", value: 3 } }, tensors: [] }, /`k\.s`: 3 is not a valid string/],
    [
      { metadata: { "general.alignment": gguf.uint32(24) }, tensors: [] },
      /`general\.alignment` must be a uint32 power of two/,
    ],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(writeGguf(path, options), { code: "BAD_REQUEST", message });
  }
});
