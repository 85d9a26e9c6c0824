import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { createDownloadProgress } from "../../../src/models/llama/download-progress.ts";

function fakeStream(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
  stream.isTTY = isTTY;
  stream.columns = 100;
  let written = "";
  stream.on("data", (chunk) => {
    written += String(chunk);
  });
  return { stream: stream as unknown as NodeJS.WriteStream, written: () => written };
}

test("draws a progress bar on a terminal", async () => {
  const { stream, written } = fakeStream(true);
  const progress = createDownloadProgress("downloading hf:acme/tiny", stream);
  progress.update({ totalSize: 10 * 1024 * 1024, downloadedSize: 5 * 1024 * 1024 });
  progress.stop();
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(written(), /downloading hf:acme\/tiny/);
  assert.match(written(), /5\/10 MiB/);
});

test("stays silent when the output is not a terminal", async () => {
  const { stream, written } = fakeStream(false);
  const progress = createDownloadProgress("downloading hf:acme/tiny", stream);
  progress.update({ totalSize: 10, downloadedSize: 5 });
  progress.stop();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(written(), "");
});
