/**
 * Seeded GGUF mutants for the fuzz test: one small change to a valid file, the way a flipped bit on
 * disk or in a download would make it. Most mutations land in the header (where llama.cpp reads
 * structure and can abort); some land in the tensor data (where it only reads numbers).
 */
import { SeededRandom } from "../../../src/models/gguf/seeded-random.ts";

/** Where one mutation went and what it did, for the failure message. */
export type MutationKind =
  /** One byte of a metadata key's name changed: the key is renamed (llama.cpp sees it as missing). */
  | "rename-key"
  /** One bit of a metadata value (a number, a string's bytes, an array item or length). */
  | "flip-value"
  /** A 4- or 8-byte metadata value or tensor dimension set to an edge: 0, 1, a small power of two, the maximum, NaN. */
  | "extreme-value"
  /** One bit of a metadata value's type id. */
  | "flip-type"
  /** One bit of a tensor info (its name, dims, ggml type or offset). */
  | "flip-tensor-info"
  /** One byte anywhere in the header replaced by a random byte. */
  | "random-header-byte"
  /** One bit of the tensor data. */
  | "flip-data";

export interface Mutant {
  index: number;
  kind: MutationKind;
  /** Byte offset of the change. */
  offset: number;
  /** What changed, for humans: `llama.attention.head_count → llama.attention.head_co5nt`. */
  description: string;
  bytes: Uint8Array;
}

interface Span {
  start: number;
  end: number;
}

/** Byte spans of a GGUF header's parts, found by walking it (only as far as needed for mutating). */
export interface GgufLayout {
  keys: Array<Span & { name: string }>;
  types: Span[];
  values: Array<Span & { key: string }>;
  tensorInfos: Array<Span & { name: string }>;
  /** Each tensor dimension (a uint64), named like `blk.0.attn_q.weight ne[1]`. */
  dims: Array<Span & { key: string }>;
  /** End of the header: the tensor data starts at or after this. */
  headerEnd: number;
}

/** Walks a well-formed GGUF header (v2/v3), recording where each key, type, value and tensor info is. */
export function ggufLayout(bytes: Uint8Array): GgufLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  let at = 8;
  const u32 = () => {
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  const u64 = () => {
    const value = Number(view.getBigUint64(at, true));
    at += 8;
    return value;
  };
  const text = () => {
    const length = u64();
    const value = decoder.decode(bytes.subarray(at, at + length));
    at += length;
    return value;
  };
  /** Scalar sizes by GGUF type id; 8 = string, 9 = array. */
  const scalarBytes = [1, 1, 2, 2, 4, 4, 4, 1, -1, -1, 8, 8, 8];
  const skipValue = (type: number): void => {
    if (type === 8) {
      text();
    } else if (type === 9) {
      const itemType = u32();
      const count = u64();
      for (let i = 0; i < count; i++) skipValue(itemType);
    } else {
      at += scalarBytes[type]!;
    }
  };
  const tensorCount = u64();
  const kvCount = u64();
  const layout: GgufLayout = { keys: [], types: [], values: [], tensorInfos: [], dims: [], headerEnd: 0 };
  for (let i = 0; i < kvCount; i++) {
    const keyStart = at + 8;
    const name = text();
    layout.keys.push({ start: keyStart, end: at, name });
    layout.types.push({ start: at, end: at + 4 });
    const type = u32();
    const valueStart = at;
    skipValue(type);
    layout.values.push({ start: valueStart, end: at, key: name });
  }
  for (let i = 0; i < tensorCount; i++) {
    const start = at;
    const name = text();
    const dims = u32();
    for (let d = 0; d < dims; d++)
      layout.dims.push({ start: at + 8 * d, end: at + 8 * d + 8, key: `${name} ne[${d}]` });
    at += 8 * dims + 4 + 8;
    layout.tensorInfos.push({ start, end: at, name });
  }
  layout.headerEnd = at;
  return layout;
}

/** How often each kind is drawn: mostly the header, where structure lives. */
const KIND_WEIGHTS: Array<[MutationKind, number]> = [
  ["rename-key", 0.25],
  ["flip-value", 0.2],
  ["extreme-value", 0.1],
  ["flip-type", 0.05],
  ["flip-tensor-info", 0.15],
  ["random-header-byte", 0.1],
  ["flip-data", 0.15],
];

/** Edge values for 4-byte fields (uint32 counts, int32 ids, float32 as their bit patterns: NaN, ∞). */
const EDGES_32 = [0, 1, 2, 8, 0x7fffffff, 0xffffffff, 0x7fc00000, 0x7f800000];
/** Edge values for 8-byte fields (counts, dimensions, offsets). */
const EDGES_64 = [0n, 1n, 2n ** 40n, 2n ** 63n - 1n];

/** The kind whose share of [0, 1) holds `roll`. */
function drawKind(roll: number): MutationKind {
  let left = roll;
  for (const [kind, weight] of KIND_WEIGHTS) {
    left -= weight;
    if (left < 0) return kind;
  }
  return "flip-data";
}

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(random.next() * items.length)]!;
}

function inside(random: SeededRandom, span: Span): number {
  return span.start + Math.floor(random.next() * (span.end - span.start));
}

/** `count` mutants of `original`, the same ones for the same seed. */
export function ggufMutants(original: Uint8Array, count: number, seed: number): Mutant[] {
  const layout = ggufLayout(original);
  const random = new SeededRandom(seed);
  const bit = () => 1 << Math.floor(random.next() * 8);
  const mutants: Mutant[] = [];
  for (let index = 0; index < count; index++) {
    const kind = drawKind(random.next());
    const bytes = original.slice();
    let offset: number;
    let description: string;
    switch (kind) {
      case "rename-key": {
        const key = pick(random, layout.keys);
        offset = inside(random, key);
        // Another printable ASCII character, as a flipped bit in a name usually gives.
        const old = bytes[offset]!;
        let next = old;
        while (next === old) next = 0x21 + Math.floor(random.next() * 94);
        bytes[offset] = next;
        const renamed = new TextDecoder().decode(bytes.subarray(key.start, key.end));
        description = `${key.name} → ${renamed}`;
        break;
      }
      case "flip-value": {
        const value = pick(random, layout.values);
        offset = inside(random, value);
        bytes[offset]! ^= bit();
        description = `a bit of \`${value.key}\`'s value at byte ${offset - value.start}`;
        break;
      }
      case "extreme-value": {
        // A whole scalar value, or one dimension of a tensor.
        const fields = [
          ...layout.values.filter((v) => v.end - v.start === 4 || v.end - v.start === 8),
          ...layout.dims,
        ];
        const field = pick(random, fields);
        offset = field.start;
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        if (field.end - field.start === 4) {
          const edge = pick(random, EDGES_32);
          view.setUint32(offset, edge, true);
          description = `${field.key} = 0x${edge.toString(16)}`;
        } else {
          const edge = pick(random, EDGES_64);
          view.setBigUint64(offset, edge, true);
          description = `${field.key} = ${edge}`;
        }
        break;
      }
      case "flip-type": {
        const index = Math.floor(random.next() * layout.types.length);
        offset = inside(random, layout.types[index]!);
        bytes[offset]! ^= bit();
        description = `a bit of \`${layout.keys[index]!.name}\`'s type`;
        break;
      }
      case "flip-tensor-info": {
        const info = pick(random, layout.tensorInfos);
        offset = inside(random, info);
        bytes[offset]! ^= bit();
        description = `a bit of tensor info "${info.name}" at byte ${offset - info.start}`;
        break;
      }
      case "random-header-byte": {
        offset = Math.floor(random.next() * layout.headerEnd);
        bytes[offset] = Math.floor(random.next() * 256);
        description = `header byte ${offset} = ${bytes[offset]}`;
        break;
      }
      case "flip-data": {
        offset = layout.headerEnd + Math.floor(random.next() * (bytes.length - layout.headerEnd));
        bytes[offset]! ^= bit();
        description = `a bit of tensor data at byte ${offset}`;
        break;
      }
      default:
        kind satisfies never;
        throw new Error(`unknown mutation ${kind}`);
    }
    mutants.push({ index, kind, offset, description, bytes });
  }
  return mutants;
}
