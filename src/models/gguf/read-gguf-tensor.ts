/** Reads one tensor's data from a GGUF whose header `readGgufMetadata` already parsed. */
import { open } from "node:fs/promises";
import { DeliberateError } from "../../errors.ts";
import { decodeTensor } from "./encode-tensor.ts";
import { type GgufWritableTensorType, writableTypeIds } from "./ggml-types.ts";
import type { GgufFileInfo, GgufTensorInfo } from "./read-gguf-metadata.ts";

export interface GgufTensorData {
  info: GgufTensorInfo;
  /** The stored bytes, as in the file. */
  bytes: Uint8Array;
  /** The values as floats, for the types we can decode (F32, F16, Q8_0); undefined otherwise. */
  values: Float32Array | undefined;
}

/** Loads the tensor called `name`; throws `BAD_REQUEST` if absent, `MODEL_INVALID` if cut short. */
export async function readGgufTensor(file: GgufFileInfo, name: string): Promise<GgufTensorData> {
  const info = file.tensors.find((tensor) => tensor.name === name);
  if (info === undefined) throw new DeliberateError("BAD_REQUEST", `${file.path}: no tensor named "${name}"`);
  if (info.byteSize === undefined) {
    throw new DeliberateError(
      "MODEL_INVALID",
      `${file.path}: tensor "${name}" has an unknown size (${info.type})`,
    );
  }
  const bytes = new Uint8Array(info.byteSize);
  const handle = await open(file.path, "r");
  try {
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, file.dataOffset + info.offset);
    if (bytesRead !== bytes.length) {
      throw new DeliberateError(
        "MODEL_INVALID",
        `${file.path}: truncated: tensor "${name}" data runs past the end`,
      );
    }
  } finally {
    await handle.close();
  }
  const values =
    info.type in writableTypeIds ? decodeTensor(bytes, info.type as GgufWritableTensorType) : undefined;
  return { info, bytes, values };
}
