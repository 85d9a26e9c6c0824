/**
 * Our GGUF v3 writer. Layout (ggml docs/gguf.md):
 *
 *   "GGUF" magic · uint32 version 3 · uint64 tensor count · uint64 metadata count
 *   metadata: string key · uint32 value type · value   (arrays: uint32 item type · uint64 length · items)
 *   tensor infos: string name · uint32 n_dims · uint64 ne[n_dims] · uint32 ggml type · uint64 offset
 *   zero padding to `general.alignment` (default 32) · tensor data, each tensor aligned the same way
 *
 * Strings are a uint64 byte length followed by UTF-8 bytes; everything is little-endian. Offsets are
 * relative to the start of the tensor data. Tensors are encoded and written one at a time, so a file
 * never needs to be held in memory whole.
 */
import { open } from "node:fs/promises";
import { DeliberateError } from "../../errors.ts";
import { ByteWriter } from "./byte-writer.ts";
import { encodeTensor } from "./encode-tensor.ts";
import {
  type GgufWritableTensorType,
  ggmlTensorBytes,
  ggmlTypeByName,
  writableTypeIds,
} from "./ggml-types.ts";
import {
  type GgufArrayItem,
  type GgufMetadata,
  type GgufMetadataValue,
  type GgufValueType,
  ggufValueTypeIds,
} from "./gguf-value.ts";

/** "GGUF" read as a little-endian uint32. */
export const GGUF_MAGIC = 0x46554747;
const GGUF_VERSION = 3;
/** The spec's default when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

export interface GgufTensorInput {
  /** Tensor name, e.g. `blk.0.attn_q.weight`; at most 64 bytes for llama.cpp. */
  name: string;
  /**
   * Dimensions in ggml order: `shape[0]` (ne[0]) is the fastest-varying dimension. A PyTorch
   * weight `W[out][in]` stored row-major is `shape: [in, out]` with the same bytes.
   */
  shape: number[];
  /**
   * The ggml type to store. Default `F32`. Float data can be encoded as F32, F16 or Q8_0 (Q8_0 needs
   * `shape[0]` to be a multiple of 32); already-encoded bytes may be of any ggml type.
   */
  type?: GgufWritableTensorType | (string & {});
  /**
   * Float values in ggml order (ne[0] innermost), length the product of `shape`; or the tensor's
   * bytes already encoded in `type` (for copying tensors between files).
   */
  data: Float32Array | Uint8Array;
}

export interface WriteGgufOptions {
  /** Metadata key/values, written in insertion order. `general.alignment` (uint32) sets the alignment. */
  metadata: GgufMetadata;
  tensors: GgufTensorInput[];
}

export interface WriteGgufResult {
  /** Total bytes written. */
  bytes: number;
  /** Absolute file offset where tensor data begins. */
  dataOffset: number;
  alignment: number;
  /** Each tensor's offset relative to `dataOffset`, and its size in bytes. */
  tensors: Array<{ name: string; offset: number; byteSize: number }>;
}

/** Writes a GGUF v3 file at `path`, replacing any file there. */
export async function writeGguf(path: string, options: WriteGgufOptions): Promise<WriteGgufResult> {
  const { metadata, tensors } = options;
  const alignment = alignmentOf(metadata);
  const header = new ByteWriter();
  header.uint32(GGUF_MAGIC);
  header.uint32(GGUF_VERSION);
  header.uint64(tensors.length);
  header.uint64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    header.string(key);
    writeValue(header, key, value);
  }

  const layout: WriteGgufResult["tensors"] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const tensor of tensors) {
    const { typeId, byteSize } = checkTensor(tensor, names);
    header.string(tensor.name);
    header.uint32(tensor.shape.length);
    for (const dim of tensor.shape) header.uint64(dim);
    header.uint32(typeId);
    header.uint64(offset);
    layout.push({ name: tensor.name, offset, byteSize });
    offset = alignUp(offset + byteSize, alignment);
  }
  header.padTo(alignment);
  const dataOffset = header.length;

  const file = await open(path, "w");
  try {
    await file.write(header.bytes());
    let written = 0;
    for (const [index, tensor] of tensors.entries()) {
      const bytes =
        tensor.data instanceof Uint8Array
          ? tensor.data
          : encodeTensor(tensor.data, (tensor.type ?? "F32") as GgufWritableTensorType);
      const padding = alignUp(bytes.length, alignment) - bytes.length;
      await file.write(bytes);
      // The last tensor is padded too: llama.cpp's own writer does it and readers accept both.
      if (padding > 0) await file.write(new Uint8Array(padding));
      written += bytes.length + padding;
      if (written !== (layout[index + 1]?.offset ?? written)) {
        throw new DeliberateError("INTERNAL", `tensor layout drifted at \`${tensor.name}\``);
      }
    }
    return { bytes: dataOffset + written, dataOffset, alignment, tensors: layout };
  } finally {
    await file.close();
  }
}

function alignmentOf(metadata: GgufMetadata): number {
  const entry = metadata["general.alignment"];
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const value = entry.value;
  // The spec asks for a multiple of 8; llama.cpp also requires a power of two.
  if (entry.type !== "uint32" || typeof value !== "number" || value < 8 || (value & (value - 1)) !== 0) {
    throw new DeliberateError("BAD_REQUEST", "`general.alignment` must be a uint32 power of two >= 8", {
      param: "general.alignment",
    });
  }
  return value;
}

function checkTensor(tensor: GgufTensorInput, names: Set<string>): { typeId: number; byteSize: number } {
  const fail = (problem: string) =>
    new DeliberateError("BAD_REQUEST", `tensor \`${tensor.name}\`: ${problem}`, { param: "tensors" });
  if (names.has(tensor.name)) throw fail("duplicate name");
  names.add(tensor.name);
  if (tensor.shape.length < 1 || tensor.shape.length > 4) throw fail("needs 1 to 4 dimensions");
  if (!tensor.shape.every((dim) => Number.isInteger(dim) && dim > 0)) throw fail("dimensions must be >= 1");
  const type = tensor.type ?? "F32";
  const info = ggmlTypeByName(type);
  if (info === undefined) throw fail(`unknown ggml type \`${type}\``);
  const byteSize = ggmlTensorBytes(info, tensor.shape);
  if (byteSize === undefined)
    throw fail(`${type} needs ne[0] (${tensor.shape[0]}) to be a multiple of ${info.blockSize}`);
  const elements = tensor.shape.reduce((product, dim) => product * dim, 1);
  if (tensor.data instanceof Uint8Array) {
    if (tensor.data.length !== byteSize) {
      throw fail(
        `${type} [${tensor.shape.join(", ")}] takes ${byteSize} bytes but data has ${tensor.data.length}`,
      );
    }
  } else {
    if (!(type in writableTypeIds)) throw fail(`float data cannot be encoded as ${type}; pass encoded bytes`);
    if (tensor.data.length !== elements) {
      throw fail(
        `shape [${tensor.shape.join(", ")}] holds ${elements} values but data has ${tensor.data.length}`,
      );
    }
  }
  return { typeId: info.id, byteSize };
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function writeValue(out: ByteWriter, key: string, entry: GgufMetadataValue): void {
  out.uint32(ggufValueTypeIds[entry.type]);
  if (entry.type === "array") {
    writeArray(out, key, entry.itemType, entry.value);
  } else {
    writeScalar(out, key, entry.type, entry.value);
  }
}

function writeArray(out: ByteWriter, key: string, itemType: GgufValueType, items: GgufArrayItem[]): void {
  out.uint32(ggufValueTypeIds[itemType]);
  out.uint64(items.length);
  for (const item of items) {
    if (itemType === "array") {
      if (!Array.isArray(item)) throw badValue(key, "array", item);
      // Nested arrays carry their own item type; we only write homogeneous nesting of the outer type.
      const inner = inferItemType(key, item);
      writeArray(out, key, inner, item);
    } else {
      writeScalar(out, key, itemType, item);
    }
  }
}

function inferItemType(key: string, items: GgufArrayItem[]): GgufValueType {
  const first = items[0];
  if (first === undefined || typeof first === "string") return "string";
  if (Array.isArray(first)) return "array";
  if (typeof first === "boolean") return "bool";
  if (typeof first === "bigint") return "int64";
  if (typeof first === "number") return Number.isInteger(first) ? "int32" : "float32";
  throw badValue(key, "array", first);
}

function writeScalar(out: ByteWriter, key: string, type: GgufValueType, value: GgufArrayItem): void {
  const number = (): number => {
    if (typeof value !== "number") throw badValue(key, type, value);
    return value;
  };
  const integer = (min: number, max: number): number => {
    const n = number();
    if (!Number.isInteger(n) || n < min || n > max) throw badValue(key, type, value);
    return n;
  };
  const big = (): bigint => {
    if (typeof value === "bigint") return value;
    if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
    throw badValue(key, type, value);
  };
  switch (type) {
    case "uint8":
      out.uint8(integer(0, 0xff));
      return;
    case "int8":
      out.int8(integer(-0x80, 0x7f));
      return;
    case "uint16":
      out.uint16(integer(0, 0xffff));
      return;
    case "int16":
      out.int16(integer(-0x8000, 0x7fff));
      return;
    case "uint32":
      out.uint32(integer(0, 0xffffffff));
      return;
    case "int32":
      out.int32(integer(-0x80000000, 0x7fffffff));
      return;
    case "float32":
      out.float32(number());
      return;
    case "float64":
      out.float64(number());
      return;
    case "uint64":
      out.uint64(big());
      return;
    case "int64":
      out.int64(big());
      return;
    case "bool":
      if (typeof value !== "boolean") throw badValue(key, type, value);
      out.uint8(value ? 1 : 0);
      return;
    case "string":
      if (typeof value !== "string") throw badValue(key, type, value);
      out.string(value);
      return;
    case "array":
      throw badValue(key, type, value);
    default:
      throw badValue(key, type satisfies never, value);
  }
}

function badValue(key: string, type: string, value: unknown): DeliberateError {
  const shown = typeof value === "bigint" ? `${value}n` : JSON.stringify(value);
  return new DeliberateError(
    "BAD_REQUEST",
    `metadata \`${key}\`: ${shown?.slice(0, 40)} is not a valid ${type}`,
    {
      param: key,
    },
  );
}
