/**
 * The pyodide boot image on disk, so a new process starts its first Python child in about a second
 * instead of booting pyodide and the prelude from scratch (several seconds, far more on a busy
 * machine). Kept in `~/.cache/deliberate/pyodide/`, named after a hash of the pyodide version and
 * the runner and prelude sources (a changed prelude never loads an old image), checked by SHA-256
 * when read, written atomically. Any failure just means booting from scratch.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";

/**
 * A booted child's pyodide memory snapshot, the address of the prelude's entry in it, and the
 * library classes (address, tp_flags) a tests run marks immutable.
 */
export interface BootImage {
  snapshot: Uint8Array;
  entry: number;
  lockable: Array<[number, number]>;
}

interface Header {
  entry: number;
  lockable: Array<[number, number]>;
  sha256: string;
  bytes: number;
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** Where the image for these inputs (pyodide version, runner and prelude sources) lives. */
export function bootImagePath(inputs: readonly string[]): string {
  const key = sha256(inputs.join("\0")).slice(0, 24);
  return join(homedir(), ".cache", "deliberate", "pyodide", `boot-${key}.bin`);
}

/** The cached image, or undefined when there is none or it does not check out. */
export async function readBootImage(path: string): Promise<BootImage | undefined> {
  try {
    const file = await readFile(path);
    const newline = file.indexOf(10);
    const header = JSON.parse(file.subarray(0, newline).toString("utf8")) as Header;
    const snapshot = file.subarray(newline + 1);
    if (snapshot.length !== header.bytes || sha256(snapshot) !== header.sha256) throw new Error("corrupt");
    if (!Number.isSafeInteger(header.entry) || !Array.isArray(header.lockable)) throw new Error("corrupt");
    return { snapshot, entry: header.entry, lockable: header.lockable };
  } catch {
    return undefined;
  }
}

/**
 * Stores the image (best effort): written to a temporary name, then renamed into place; images of
 * other versions are removed (a process still on one just boots from scratch).
 */
export async function writeBootImage(path: string, image: BootImage): Promise<void> {
  const header: Header = {
    entry: image.entry,
    lockable: image.lockable,
    sha256: sha256(image.snapshot),
    bytes: image.snapshot.length,
  };
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(temporary, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), image.snapshot]), {
      mode: 0o600,
    });
    await rename(temporary, path);
    for (const file of await readdir(dirname(path))) {
      if (/^boot-[0-9a-f]+\.bin$/.test(file) && file !== basename(path))
        await forgetBootImage(join(dirname(path), file));
    }
  } catch {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Drops an image that failed to boot. */
export async function forgetBootImage(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
