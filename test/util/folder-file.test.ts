import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { folderFile } from "../../src/util/folder-file.ts";

test("folderFile: a folder stands for the named file in it; a file or a missing path is itself", () => {
  const dir = mkdtempSync(join(tmpdir(), "deliberate-folder-file-"));
  const file = join(dir, "store.sqlite");
  writeFileSync(file, "");
  assert.equal(folderFile(dir, "store.sqlite"), file);
  assert.equal(folderFile(file, "store.sqlite"), file);
  assert.equal(folderFile(join(dir, "missing"), "store.sqlite"), join(dir, "missing"));
});
