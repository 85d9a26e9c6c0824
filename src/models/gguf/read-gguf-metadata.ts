/**
 * Reads a GGUF file's header, metadata and tensor infos without touching the weights: it loads a
 * prefix of the file (1 MiB first, doubling while the header needs more) and parses that.
 * Throws `MODEL_NOT_FOUND` for a missing file and `MODEL_INVALID` for anything that stops parsing
 * (bad magic, unsupported version, header cut short, unknown value types). Whether the tensor data
 * and vocabulary are sound is `validateGgufFile`'s job.
 */
import { open, stat } from "node:fs/promises";
import { DeliberateError } from "../../errors.ts";
import { ByteReader, NeedMoreBytes, PastEndOfFile } from "./byte-reader.ts";
import { ggmlTensorBytes, ggmlTypeInfo } from "./ggml-types.ts";
import {
  type GgufArrayItem,
  type GgufMetadata,
  type GgufMetadataValue,
  type GgufScalar,
  type GgufValueType,
  ggufValueTypeById,
} from "./gguf-value.ts";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC } from "./write-gguf.ts";

/** GGUF versions with the layout we parse (v1 used 32-bit counts and is long gone). */
const SUPPORTED_VERSIONS = [2, 3];
const FIRST_READ_BYTES = 1 << 20;

export interface GgufTensorInfo {
  name: string;
  /** ggml dims, ne[0] (fastest) first. */
  shape: number[];
  /** ggml type name (`F16`, `Q4_K`…), or `unknown(<id>)`. */
  type: string;
  typeId: number;
  /** Offset of the data relative to `dataOffset`. */
  offset: number;
  /** Bytes of data, or undefined for unknown types and shapes that are not whole blocks. */
  byteSize: number | undefined;
}

export interface GgufFileInfo {
  path: string;
  version: number;
  /** Size of the file on disk, in bytes. */
  fileSize: number;
  /** `general.alignment`, or 32. */
  alignment: number;
  metadata: GgufMetadata;
  tensors: GgufTensorInfo[];
  /** Absolute offset where tensor data starts (end of header, padded to `alignment`). */
  dataOffset: number;
}

/** Parses the header, metadata and tensor infos of the GGUF at `path`. */
export async function readGgufMetadata(path: string): Promise<GgufFileInfo> {
  const fileSize = await sizeOf(path);
  const file = await open(path, "r");
  try {
    let length = Math.min(fileSize, FIRST_READ_BYTES);
    for (;;) {
      const prefix = new Uint8Array(length);
      const { bytesRead } = await file.read(prefix, 0, length, 0);
      try {
        return parse(path, prefix.subarray(0, bytesRead), fileSize);
      } catch (error) {
        if (!(error instanceof NeedMoreBytes)) throw error;
        // A short read means the file shrank under us; growing the prefix would never help.
        if (bytesRead < length) throw invalidGguf(path, "changed size while being read");
        length = Math.min(fileSize, Math.max(error.needed, length * 2));
      }
    }
  } finally {
    await file.close();
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw invalidGguf(path, "not a regular file");
    return info.size;
  } catch (error) {
    if (DeliberateError.isInstance(error)) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new DeliberateError("MODEL_NOT_FOUND", `model file not found: ${path}`, { cause: error });
    }
    throw invalidGguf(path, `cannot be read (${(error as Error).message})`);
  }
}

/** The one shape of a GGUF problem: `MODEL_INVALID`, the path, then what is wrong. */
export function invalidGguf(path: string, problem: string): DeliberateError {
  return new DeliberateError("MODEL_INVALID", `${path}: ${problem}`);
}

function parse(path: string, bytes: Uint8Array, fileSize: number): GgufFileInfo {
  const reader = new ByteReader(bytes, fileSize);
  try {
    return parseWith(path, reader, fileSize);
  } catch (error) {
    if (error instanceof PastEndOfFile) {
      throw invalidGguf(
        path,
        `truncated: its header needs at least ${error.needed} bytes (while reading ${error.what}) but the file has ${fileSize}`,
      );
    }
    throw error;
  }
}

function parseWith(path: string, reader: ByteReader, fileSize: number): GgufFileInfo {
  if (fileSize < 4) throw invalidGguf(path, `not a GGUF file (only ${fileSize} bytes)`);
  reader.context = "the magic number";
  const magic = reader.uint32();
  if (magic !== GGUF_MAGIC) {
    const start = Buffer.from(new Uint32Array([magic]).buffer).toString("latin1");
    throw invalidGguf(path, `not a GGUF file: it starts with ${JSON.stringify(start)}, not "GGUF"`);
  }
  reader.context = "the version";
  const version = reader.uint32();
  if (!SUPPORTED_VERSIONS.includes(version)) {
    // A big-endian GGUF reads as 0x03000000 here.
    const hint =
      version === 0x03000000 ? " (a big-endian GGUF, which llama.cpp on this machine cannot use)" : "";
    throw invalidGguf(
      path,
      `unsupported GGUF version ${version}${hint}; supported: ${SUPPORTED_VERSIONS.join(", ")}`,
    );
  }
  reader.context = "the tensor and metadata counts";
  const tensorCount = reader.size();
  const kvCount = reader.size();
  // Each metadata entry takes at least 8 (key length) + 4 (type) bytes, each tensor info 8+4+4+8.
  reader.context = `${kvCount} metadata entries and ${tensorCount} tensor infos`;
  reader.expectRoom(kvCount, 12);
  reader.expectRoom(tensorCount, 24);

  const metadata: GgufMetadata = {};
  for (let i = 0; i < kvCount; i++) {
    reader.context = `metadata entry ${i + 1} of ${kvCount}`;
    const key = reader.string();
    reader.context = `metadata \`${key}\``;
    const typeId = reader.uint32();
    const type = ggufValueTypeById.get(typeId);
    if (type === undefined) throw invalidGguf(path, `metadata \`${key}\` has unknown value type ${typeId}`);
    metadata[key] = readValue(path, reader, key, type);
  }

  const alignmentEntry = metadata["general.alignment"];
  const alignment =
    alignmentEntry?.type === "uint32" && typeof alignmentEntry.value === "number"
      ? alignmentEntry.value
      : GGUF_DEFAULT_ALIGNMENT;
  if (alignment === 0 || (alignment & (alignment - 1)) !== 0) {
    throw invalidGguf(path, `invalid general.alignment ${alignment} (must be a power of two)`);
  }

  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    reader.context = `tensor info ${i + 1} of ${tensorCount}`;
    const name = reader.string();
    reader.context = `tensor info "${name}"`;
    const dims = reader.uint32();
    if (dims > 8) throw invalidGguf(path, `tensor "${name}" has ${dims} dimensions (ggml allows at most 4)`);
    const shape: number[] = [];
    for (let d = 0; d < dims; d++) shape.push(reader.size());
    const typeId = reader.uint32();
    const offset = reader.size();
    const typeInfo = ggmlTypeInfo(typeId);
    tensors.push({
      name,
      shape,
      type: typeInfo?.name ?? `unknown(${typeId})`,
      typeId,
      offset,
      byteSize: typeInfo ? ggmlTensorBytes(typeInfo, shape) : undefined,
    });
  }
  const dataOffset = Math.ceil(reader.position / alignment) * alignment;
  return { path, version, fileSize, alignment, metadata, tensors, dataOffset };
}

function readValue(path: string, reader: ByteReader, key: string, type: GgufValueType): GgufMetadataValue {
  if (type !== "array") return { type, value: readScalar(reader, type) };
  const { itemType, items } = readArray(path, reader, key);
  return { type: "array", itemType, value: items };
}

function readArray(
  path: string,
  reader: ByteReader,
  key: string,
): { itemType: GgufValueType; items: GgufArrayItem[] } {
  const itemTypeId = reader.uint32();
  const itemType = ggufValueTypeById.get(itemTypeId);
  if (itemType === undefined)
    throw invalidGguf(path, `metadata array \`${key}\` has unknown item type ${itemTypeId}`);
  const length = reader.size();
  reader.expectRoom(length, minimumBytes[itemType]);
  const items: GgufArrayItem[] = new Array(length);
  for (let i = 0; i < length; i++) {
    items[i] = itemType === "array" ? readArray(path, reader, key).items : readScalar(reader, itemType);
  }
  return { itemType, items };
}

/** Smallest encoding of one item of each type (strings: their 8-byte length; arrays: type + length). */
const minimumBytes: Record<GgufValueType, number> = {
  uint8: 1,
  int8: 1,
  bool: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  uint64: 8,
  int64: 8,
  float64: 8,
  string: 8,
  array: 12,
};

function readScalar(reader: ByteReader, type: Exclude<GgufValueType, "array">): GgufScalar {
  switch (type) {
    case "uint8":
      return reader.uint8();
    case "int8":
      return reader.int8();
    case "uint16":
      return reader.uint16();
    case "int16":
      return reader.int16();
    case "uint32":
      return reader.uint32();
    case "int32":
      return reader.int32();
    case "float32":
      return reader.float32();
    case "float64":
      return reader.float64();
    case "uint64":
      return reader.uint64();
    case "int64":
      return reader.int64();
    case "bool":
      return reader.uint8() !== 0;
    case "string":
      return reader.string();
    default:
      return type satisfies never;
  }
}

/** The plain value of a metadata key (arrays as arrays), or undefined when absent. */
export function metadataValue(metadata: GgufMetadata, key: string): GgufScalar | GgufArrayItem[] | undefined {
  return metadata[key]?.value;
}
