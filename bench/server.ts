/**
 * `npm run bench:server`: what the server adds over calling the backend directly, with a scripted
 * instant backend so only the server is measured. Prints JSON.
 *
 * - overhead: p50/p99 of (HTTP round trip through the server) − (the same generate() called directly),
 *   one request at a time over a keep-alive connection.
 * - throughput: requests/s with 64 concurrent clients.
 */
import { Agent, request } from "node:http";
import type { ModelBackend } from "../src/models/types.ts";
import { startServer } from "../src/server/start-server.ts";
import { runRegisteredStrategy, strategyNames } from "../src/server/strategy-runner.ts";
import { ScriptedBackend } from "../src/testing/scripted-backend.ts";

const WARMUP = 200;
const SAMPLES = 2000;
const CONCURRENT_CLIENTS = 64;
const THROUGHPUT_REQUESTS = 5000;

const backend = new ScriptedBackend({ answers: { "42": 1 } });
const messages = [{ role: "user" as const, content: "What is 6*7?" }];
const body = JSON.stringify({ model: "small", messages });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeDirect(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const started = performance.now();
    await backend.generate({ messages });
    if (i >= WARMUP) times.push(performance.now() - started);
  }
  return times;
}

function post(url: URL, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const server = await startServer({
  port: 0,
  models: new Map<string, ModelBackend>([["small", backend]]),
  strategies: strategyNames,
  runStrategy: runRegisteredStrategy,
  concurrency: CONCURRENT_CLIENTS,
  maxWaiting: THROUGHPUT_REQUESTS,
  traceCapacity: 200,
});
const url = new URL(`${server.url}/v1/chat/completions`);

const direct = (await timeDirect()).sort((a, b) => a - b);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const viaServer: number[] = [];
for (let i = 0; i < WARMUP + SAMPLES; i++) {
  const started = performance.now();
  await post(url, agent);
  if (i >= WARMUP) viaServer.push(performance.now() - started);
}
viaServer.sort((a, b) => a - b);

const pool = new Agent({ keepAlive: true, maxSockets: CONCURRENT_CLIENTS });
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENT_CLIENTS }, async () => {
    while (next < THROUGHPUT_REQUESTS) {
      next++;
      await post(url, pool);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
await server.close();
agent.destroy();
pool.destroy();

const round = (x: number) => Math.round(x * 1000) / 1000;
console.log(
  JSON.stringify(
    {
      benchmark: "server",
      backend: "scripted (instant)",
      samples: SAMPLES,
      directMs: { p50: round(percentile(direct, 50)), p99: round(percentile(direct, 99)) },
      viaServerMs: { p50: round(percentile(viaServer, 50)), p99: round(percentile(viaServer, 99)) },
      overheadMs: {
        p50: round(percentile(viaServer, 50) - percentile(direct, 50)),
        p99: round(percentile(viaServer, 99) - percentile(direct, 99)),
      },
      throughput: {
        clients: CONCURRENT_CLIENTS,
        requests: THROUGHPUT_REQUESTS,
        requestsPerSecond: Math.round(THROUGHPUT_REQUESTS / seconds),
      },
      target: { overheadP50Ms: 2 },
    },
    null,
    2,
  ),
);
