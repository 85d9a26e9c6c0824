/**
 * ggml tensor types as GGUF stores them: the numeric id written in each tensor info, and the block
 * layout (elements per block, bytes per block) needed to know how many bytes a tensor occupies.
 * Ids and sizes follow ggml's `ggml_type` enum and `type_traits` table (ggml/include/ggml.h).
 */

export interface GgmlTypeInfo {
  /** The type's name as ggml prints it, e.g. `Q8_0`. */
  name: string;
  /** The numeric id stored in the file. */
  id: number;
  /** Elements per quantisation block (1 for plain types). ne[0] must be a multiple of it. */
  blockSize: number;
  /** Bytes per block. */
  bytesPerBlock: number;
}

const table: Array<[name: string, id: number, blockSize: number, bytesPerBlock: number]> = [
  ["F32", 0, 1, 4],
  ["F16", 1, 1, 2],
  ["Q4_0", 2, 32, 18],
  ["Q4_1", 3, 32, 20],
  ["Q5_0", 6, 32, 22],
  ["Q5_1", 7, 32, 24],
  ["Q8_0", 8, 32, 34],
  ["Q8_1", 9, 32, 36],
  ["Q2_K", 10, 256, 84],
  ["Q3_K", 11, 256, 110],
  ["Q4_K", 12, 256, 144],
  ["Q5_K", 13, 256, 176],
  ["Q6_K", 14, 256, 210],
  ["Q8_K", 15, 256, 292],
  ["IQ2_XXS", 16, 256, 66],
  ["IQ2_XS", 17, 256, 74],
  ["IQ3_XXS", 18, 256, 98],
  ["IQ1_S", 19, 256, 50],
  ["IQ4_NL", 20, 32, 18],
  ["IQ3_S", 21, 256, 110],
  ["IQ2_S", 22, 256, 82],
  ["IQ4_XS", 23, 256, 136],
  ["I8", 24, 1, 1],
  ["I16", 25, 1, 2],
  ["I32", 26, 1, 4],
  ["I64", 27, 1, 8],
  ["F64", 28, 1, 8],
  ["IQ1_M", 29, 256, 56],
  ["BF16", 30, 1, 2],
  ["TQ1_0", 34, 256, 54],
  ["TQ2_0", 35, 256, 66],
  ["MXFP4", 39, 32, 17],
];

const byId = new Map<number, GgmlTypeInfo>(
  table.map(([name, id, blockSize, bytesPerBlock]) => [id, { name, id, blockSize, bytesPerBlock }]),
);

/** The tensor types our writer can encode from float data. */
export type GgufWritableTensorType = "F32" | "F16" | "Q8_0";

/** Ids of the types we write. */
export const writableTypeIds: Record<GgufWritableTensorType, number> = { F32: 0, F16: 1, Q8_0: 8 };

/** The layout of a ggml type id, or undefined for ids this table does not know. */
export function ggmlTypeInfo(id: number): GgmlTypeInfo | undefined {
  return byId.get(id);
}

/** Bytes a tensor of this type and shape occupies; undefined if ne[0] is not a whole number of blocks. */
export function ggmlTensorBytes(info: GgmlTypeInfo, shape: readonly number[]): number | undefined {
  const elements = shape.reduce((product, dim) => product * dim, 1);
  if ((shape[0] ?? 1) % info.blockSize !== 0) return undefined;
  return (elements / info.blockSize) * info.bytesPerBlock;
}

const byName = new Map<string, GgmlTypeInfo>([...byId.values()].map((info) => [info.name, info]));

/** The layout of a ggml type by name (`F16`, `Q4_K`), or undefined. */
export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return byName.get(name);
}
