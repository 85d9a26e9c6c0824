/**
 * Tiny GGUF fixtures for tests: `await tinyModelPath()` returns a random-weight llama model that
 * node-llama-cpp loads (2 layers, embd 64, char vocab, ChatML template, ~0.3 MB). Files are written
 * once per distinct options to `os.tmpdir()/deliberate-fixtures/<hash>.gguf` and reused across test
 * files and runs; writers race safely by writing a private temp file and renaming it into place.
 */
import { createHash } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  resolveTinyModelOptions,
  TINY_MODEL_VERSION,
  type TinyModelOptions,
  writeTinyModel,
} from "../../src/models/gguf/tiny-model.ts";

export type { TinyModelOptions };

/** The fixtures folder, `os.tmpdir()/deliberate-fixtures`. */
export function fixturesDir(): string {
  return join(tmpdir(), "deliberate-fixtures");
}

/** Path of a cached tiny model with these options, writing it first if needed. */
export async function tinyModelPath(options: Partial<TinyModelOptions> = {}): Promise<string> {
  const resolved = resolveTinyModelOptions(options);
  const key = JSON.stringify({ version: TINY_MODEL_VERSION, ...sortKeys(resolved) });
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 16);
  const dir = fixturesDir();
  const path = join(dir, `${hash}.gguf`);
  if (await exists(path)) return path;
  await mkdir(dir, { recursive: true });
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeTinyModel(temp, resolved);
    // rename is atomic within a folder: readers see either no file or a complete one.
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return path;
}

function sortKeys(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
