/**
 * `deliberate rewards serve` as a user runs it, in a child process: it prints its URL, binds
 * loopback, and on SIGTERM stops accepting, lets the batch in flight finish and its answer be
 * written, then exits 0.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { test } from "node:test";

const bin = join(import.meta.dirname, "..", "..", "bin", "deliberate.js");

test("SIGTERM while a batch is in flight: the batch is answered, then the process exits 0", async () => {
  const child = spawn(
    process.execPath,
    [bin, "rewards", "serve", "--port", "0", "--timeout-ms", "2000", "--workers", "1"],
    { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on("data", (data) => {
        stderr += data;
        const match = stderr.match(/serving at (http:\/\/127\.0\.0\.1:\d+)/);
        if (match) resolve(match[1]!);
      });
      exited.then(([code]) => reject(new Error(`rewards serve exited ${code}: ${stderr}`)));
    });

    // A batch that stays in flight until its never-ending program hits the 2 s limit.
    const items = [
      { output: "\\boxed{4}", gold: "4" },
      {
        output: "```python\ndef f():\n    while True:\n        pass\n```",
        kind: "code",
        tests: { language: "python", code: "f()" },
      },
    ];
    const answer = fetch(`${url}/v1/rewards`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items }),
    });
    // Wait until the server holds the batch, then stop it.
    for (;;) {
      const health = (await (await fetch(`${url}/health`)).json()) as { items_in_flight: number };
      if (health.items_in_flight > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGTERM");

    const response = await answer;
    assert.equal(response.status, 200);
    const { results } = (await response.json()) as { results: Array<{ reward: number; verdict: string }> };
    assert.equal(results[0]!.reward, 1);
    assert.equal(results[1]!.reward, 0);
    assert.equal(results[1]!.verdict, "timeout");
    const [code, signal] = await exited;
    assert.equal(signal, null, stderr);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /SIGTERM: draining 2 item\(s\) in flight/);
    await assert.rejects(fetch(`${url}/health`), "the port is closed once it has exited");
  } finally {
    child.kill("SIGKILL");
  }
});
