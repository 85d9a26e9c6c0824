/**
 * How every file of a dataset folder is written: never in place. The bytes go to a hidden temporary
 * file beside the target (same folder, so the rename cannot cross filesystems), are flushed to disk,
 * and only then renamed over the target. A reader, or a run after a crash, finds the previous file or
 * the new one whole, never a prefix posing as the complete file; a crash leaves at most a
 * `.NAME.PID.RANDOM.tmp` behind, which no trainer or config points at.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { DeliberateError } from "../errors.ts";

/** Lines are joined into chunks of about this many characters before each write: few syscalls, bounded memory. */
const CHUNK_CHARS = 1 << 16;

/**
 * Writes `chunks` to `path` through a temporary file and a rename. Creates the folder. Anything thrown
 * while producing the chunks (or writing them) removes the temporary file and leaves `path` as it was.
 */
export async function writeFileAtomic(path: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const folder = dirname(path);
  const temporary = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw writeError(folder, error);
  }
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temporary, "wx");
    // writeFile on a handle writes the whole chunk at the current position (write() may stop short).
    for (const chunk of chunks) await handle.writeFile(chunk);
    // Flushed before the rename: otherwise a power cut can leave the new name on an empty file.
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw DeliberateError.isInstance(error) ? error : writeError(path, error);
  }
}

/** One JSON object per line (`\n`-terminated), joined into chunks of about `CHUNK_CHARS`. */
export function* jsonLines(rows: Iterable<unknown>): Generator<string> {
  let chunk = "";
  for (const row of rows) {
    chunk += `${JSON.stringify(row)}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}

/** The filesystem refusing (EACCES, ENOSPC, a file where a folder should be) is the caller's to fix; anything else is ours. */
function writeError(path: string, error: unknown): DeliberateError {
  const message = error instanceof Error ? error.message : String(error);
  if (typeof (error as NodeJS.ErrnoException).code === "string") {
    return new DeliberateError("BAD_REQUEST", `cannot write the dataset file ${path}: ${message}`, {
      param: "dir",
      cause: error,
    });
  }
  return new DeliberateError("INTERNAL", `failed while writing ${path}: ${message}`, { cause: error });
}
