/**
 * A short fingerprint of a model file's contents, so caches tell apart two files that share a name
 * (every lab run writes `model.gguf`). Whole-file SHA-256 up to 64 MiB; past that, the size plus
 * three 1 MiB windows (start: header and metadata; middle; end: the last tensors), which is fast
 * for multi-GB GGUFs and still differs whenever weights do in practice.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

const WHOLE_FILE_LIMIT = 64 * 1024 * 1024;
const WINDOW = 1024 * 1024;

export async function fileFingerprint(path: string): Promise<string> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const hash = createHash("sha256").update(`${size}\u0000`);
    const offsets = size <= WHOLE_FILE_LIMIT ? [0] : [0, Math.floor(size / 2), size - WINDOW];
    const length = size <= WHOLE_FILE_LIMIT ? size : WINDOW;
    const buffer = Buffer.alloc(length);
    for (const offset of offsets) {
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      hash.update(buffer.subarray(0, bytesRead));
    }
    return hash.digest("hex").slice(0, 16);
  } finally {
    await file.close();
  }
}
