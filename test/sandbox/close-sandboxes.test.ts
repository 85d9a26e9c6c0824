import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

const FIXTURE = new URL("./fixtures/close-busy-sandboxes.ts", import.meta.url).pathname;

test("closing the sandboxes ends every worker and child, busy or idle, and the process exits", async () => {
  // The fixture's programs run under a 600 s limit: a worker, child or timer left behind would keep
  // its process alive past this bound, and the run would be killed (and reject) instead.
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", FIXTURE], {
    timeout: 120_000,
    killSignal: "SIGKILL",
  });
  // Four JavaScript runs and two Python runs, each ended by the close, not by its limit.
  assert.deepEqual(JSON.parse(stdout.trim()), ["error", "error", "error", "error", "error", "error"]);
});
