import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

/** `path`, or `path/name` when `path` is a folder: a run folder stands for the file it holds. */
export function folderFile(path: string, name: string): string {
  return existsSync(path) && statSync(path).isDirectory() ? join(path, name) : path;
}
