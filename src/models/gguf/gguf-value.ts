/**
 * Typed GGUF metadata values. GGUF stores an explicit type with every value and llama.cpp checks it
 * (a `uint32` key written as `int32` fails to load), so values carry their type instead of being
 * guessed from JavaScript numbers.
 */

/** Scalar value types, named after the GGUF spec's `gguf_metadata_value_type`. */
export type GgufScalarType =
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "uint32"
  | "int32"
  | "float32"
  | "bool"
  | "string"
  | "uint64"
  | "int64"
  | "float64";

export type GgufValueType = GgufScalarType | "array";

/** The numeric ids the file uses for each value type. */
export const ggufValueTypeIds: Record<GgufValueType, number> = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
};

export const ggufValueTypeById = new Map<number, GgufValueType>(
  Object.entries(ggufValueTypeIds).map(([name, id]) => [id, name as GgufValueType]),
);

/** JavaScript representation: 64-bit integers are bigints, everything else number/boolean/string. */
export type GgufScalar = number | bigint | boolean | string;

export type GgufMetadataValue =
  | { type: GgufScalarType; value: GgufScalar }
  | { type: "array"; itemType: GgufValueType; value: GgufArrayItem[] };

/** Array items: scalars, or nested arrays (allowed by the spec, unused by llama.cpp). */
export type GgufArrayItem = GgufScalar | GgufArrayItem[];

/** Metadata in the order it is written; keys are unique. */
export type GgufMetadata = Record<string, GgufMetadataValue>;

/** Shorthands for building typed values: `gguf.uint32(2048)`, `gguf.array("string", tokens)`. */
export const gguf = {
  uint8: (value: number): GgufMetadataValue => ({ type: "uint8", value }),
  int8: (value: number): GgufMetadataValue => ({ type: "int8", value }),
  uint16: (value: number): GgufMetadataValue => ({ type: "uint16", value }),
  int16: (value: number): GgufMetadataValue => ({ type: "int16", value }),
  uint32: (value: number): GgufMetadataValue => ({ type: "uint32", value }),
  int32: (value: number): GgufMetadataValue => ({ type: "int32", value }),
  float32: (value: number): GgufMetadataValue => ({ type: "float32", value }),
  float64: (value: number): GgufMetadataValue => ({ type: "float64", value }),
  uint64: (value: bigint): GgufMetadataValue => ({ type: "uint64", value }),
  int64: (value: bigint): GgufMetadataValue => ({ type: "int64", value }),
  bool: (value: boolean): GgufMetadataValue => ({ type: "bool", value }),
  string: (value: string): GgufMetadataValue => ({ type: "string", value }),
  array: (itemType: GgufValueType, value: GgufArrayItem[]): GgufMetadataValue => ({
    type: "array",
    itemType,
    value,
  }),
};
