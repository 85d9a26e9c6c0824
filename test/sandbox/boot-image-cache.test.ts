import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { bootImagePath, readBootImage, writeBootImage } from "../../src/sandbox/boot-image-cache.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "deliberate-boot-image-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const image = {
  snapshot: new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)),
  entry: 123_456,
  lockable: [[1000, 1 << 9] as [number, number]],
};

test("an image written is read back whole", async () => {
  const path = join(dir, "boot-aaaa.bin");
  await writeBootImage(path, image);
  const read = await readBootImage(path);
  assert.ok(read);
  assert.deepEqual(
    [read.entry, read.lockable, Buffer.compare(Buffer.from(read.snapshot), Buffer.from(image.snapshot))],
    [image.entry, image.lockable, 0],
  );
});

test("a damaged or missing image is not used", async () => {
  const path = join(dir, "boot-bbbb.bin");
  await writeBootImage(path, image);
  const bytes = await readFile(path);
  bytes[bytes.length - 10] ^= 1;
  await writeFile(path, bytes);
  assert.equal(await readBootImage(path), undefined);
  await writeFile(path, bytes.subarray(0, bytes.length - 100));
  assert.equal(await readBootImage(path), undefined);
  assert.equal(await readBootImage(join(dir, "boot-none.bin")), undefined);
});

test("writing an image removes the other versions' images", async () => {
  await writeFile(join(dir, "boot-cccc.bin"), "old");
  await writeFile(join(dir, "unrelated.txt"), "keep");
  await writeBootImage(join(dir, "boot-dddd.bin"), image);
  assert.deepEqual((await readdir(dir)).sort(), ["boot-dddd.bin", "unrelated.txt"]);
});

test("the file name follows the inputs", () => {
  assert.equal(bootImagePath(["0.27.7", "a"]), bootImagePath(["0.27.7", "a"]));
  assert.notEqual(bootImagePath(["0.27.7", "a"]), bootImagePath(["0.27.7", "b"]));
});
