import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { distill } from "../../src/distill/distill.ts";
import { startQueueWorker } from "../../src/queue/queue-worker.ts";
import type { OpenAIServer } from "../../src/testing/openai-server.ts";
import { runCli } from "../helpers/cli.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";
import { datasetSpec, startAnsweringServer, writeConfig } from "./helpers/distributed-eval.ts";

let redis: RedisServer;
let server: OpenAIServer;
let dir: string;
let config: string;

before(async () => {
  redis = await startRedis();
  server = await startAnsweringServer(0);
  dir = mkdtempSync(join(tmpdir(), "deliberate-distill-queue-"));
  config = writeConfig(dir, server, 8);
});

after(async () => {
  await server.close();
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
});

test("`distill --queue`: teachers' samples drawn on a worker give the same dataset files as a local distill", async () => {
  const local = join(dir, "local");
  const settings = { teachers: ["m"], dataset: datasetSpec, samples: 3, grader: "sync" as const, config };
  const run = await distill({ ...settings, out: local, progress: "none" });
  assert.equal(run.interrupted, false);

  const worker = startQueueWorker({ url: redis.url, id: "distiller", concurrency: 4 });
  try {
    await worker.ready;
    const queued = join(dir, "queued");
    const cli = await runCli([
      "distill",
      ...["--teacher", "m", "--dataset", datasetSpec, "-k", "3", "--grader", "sync", "--config", config],
      ...["--out", queued, "--queue", redis.url, "--progress", "none"],
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    // Every problem was solved by the worker, none in the coordinator.
    assert.equal(worker.processed, 12);
    const traces = readFileSync(join(queued, "traces.jsonl"), "utf8").trim().split("\n");
    assert.equal(traces.length, 12 * 3, "a trace per sample");
    assert.ok(readFileSync(join(queued, "sft.jsonl"), "utf8").trim().length > 0, "some traces kept");
    for (const file of ["traces.jsonl", "sft.jsonl", "dpo.jsonl", "prompts.jsonl"]) {
      assert.equal(readFileSync(join(queued, file), "utf8"), readFileSync(join(local, file), "utf8"), file);
    }
  } finally {
    await worker.close();
  }
});
