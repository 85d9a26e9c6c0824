import { renameSync, writeFileSync } from "node:fs";

/** Writes `value` as indented JSON through a temp file renamed over `path`: a killed run never leaves half a file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temp, path);
}
