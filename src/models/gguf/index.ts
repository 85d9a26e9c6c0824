/** The GGUF layer: our writer and reader, validation before llama.cpp, and random-weight tiny models. */
export { buildCharVocab, CHATML_TEMPLATE, type CharVocab } from "./char-vocab.ts";
export { decodeTensor, encodeTensor } from "./encode-tensor.ts";
export {
  type GgmlTypeInfo,
  type GgufWritableTensorType,
  ggmlTypeByName,
  ggmlTypeInfo,
} from "./ggml-types.ts";
export {
  type GgufArrayItem,
  type GgufMetadata,
  type GgufMetadataValue,
  type GgufScalar,
  type GgufScalarType,
  type GgufValueType,
  gguf,
} from "./gguf-value.ts";
export { type GgufInspection, inspectGguf } from "./inspect-gguf.ts";
export { byteTokenText, LlamaTokenType } from "./llama-token-type.ts";
export {
  type GgufFileInfo,
  type GgufTensorInfo,
  metadataValue,
  readGgufMetadata,
} from "./read-gguf-metadata.ts";
export { type GgufTensorData, readGgufTensor } from "./read-gguf-tensor.ts";
export { SeededRandom } from "./seeded-random.ts";
export {
  resolveTinyModelOptions,
  TINY_MODEL_VERSION,
  type TinyModelOptions,
  tinyModelOptionsSchema,
  type WriteTinyModelResult,
  writeTinyModel,
} from "./tiny-model.ts";
export { validateGgufFile } from "./validate-gguf-file.ts";
export {
  type GgufTensorInput,
  type WriteGgufOptions,
  type WriteGgufResult,
  writeGguf,
} from "./write-gguf.ts";
export {
  type LlamaHparams,
  type LlamaLayerWeights,
  type LlamaVocab,
  type LlamaWeights,
  permuteHalvesToInterleaved,
  type WriteLlamaGgufOptions,
  writeLlamaGguf,
} from "./write-llama-gguf.ts";
