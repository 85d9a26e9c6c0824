/** A strategy request streamed: progress as reasoning_content deltas, keepalives, the answer in chunks. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import OpenAI from "openai";
import type { ModelBackend } from "../../src/models/types.ts";
import { startServer } from "../../src/server/start-server.ts";
import { runRegisteredStrategy, strategyNames } from "../../src/server/strategy-runner.ts";
import { ScriptedBackend } from "../../src/testing/scripted-backend.ts";
import { tinyModelPath } from "../helpers/tiny-model.ts";

test("progress streams as reasoning_content, then the answer, usage and [DONE]", async () => {
  const slow = new ScriptedBackend({ answers: { "42": 1 }, delayMs: 150 });
  const server = await startServer({
    port: 0,
    models: new Map<string, ModelBackend>([["small", slow]]),
    strategies: strategyNames,
    runStrategy: runRegisteredStrategy,
    keepAliveMs: 40,
  });
  try {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "self-consistency/small",
        messages: [{ role: "user", content: "6*7?" }],
        stream: true,
        stream_options: { include_usage: true },
        deliberate: { samples: 4, options: { batchSize: 2 } },
      }),
    });
    assert.equal(response.headers.get("content-type")?.split(";")[0], "text/event-stream");
    const raw = await response.text();
    assert.match(raw, /^: keepalive$/m, "keepalive comments while the strategy works");
    const events = raw
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => line.slice(6));
    assert.equal(events.at(-1), "[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const reasoning = chunks.map((c) => c.choices[0]?.delta?.reasoning_content ?? "").join("");
    const content = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    assert.match(reasoning, /2 samples done/);
    assert.match(reasoning, /vote: 42 \(4\/4\)/);
    assert.match(content, /\\boxed\{42\}/);
    assert.ok(
      chunks.filter((c) => c.choices[0]?.delta?.content).length >= 2,
      "the answer comes in several chunks",
    );
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason, "stop");
    const usage = chunks.at(-1).usage;
    assert.ok(usage.completion_tokens > 0 && usage.prompt_tokens > 0);
  } finally {
    await server.close();
  }
});

test("SIGTERM drains in-flight requests before `deliberate serve` exits", async () => {
  const model = await tinyModelPath();
  const child = spawn(
    process.execPath,
    ["bin/deliberate.js", "serve", "--model", model, "--port", "0", "--threads", "1"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (data) => {
      stderr += data;
      const match = stderr.match(/at (http:\/\/\S+)\/v1/);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 });
  const name = model
    .split("/")
    .pop()!
    .replace(/\.gguf$/, "");
  // Three long streams; SIGTERM goes out once each has sent text, so they are mid-generation then
  // (however fast this CPU samples, and whichever tokens it draws).
  const streams = await Promise.all(
    [1, 2, 3].map((seed) =>
      client.chat.completions.create({
        model: name,
        messages: [{ role: "user", content: "long" }],
        max_tokens: 2000,
        seed,
        stream: true,
      }),
    ),
  );
  const readers = streams.map((stream) => stream[Symbol.asyncIterator]());
  const firsts = await Promise.all(
    readers.map(async (reader) => {
      for (;;) {
        const { value, done } = await reader.next();
        if (done || value.choices[0]?.delta?.content || value.choices[0]?.finish_reason) return value;
      }
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const finishReasons = await Promise.all(
    readers.map(async (reader, i) => {
      let finish = firsts[i]?.choices[0]?.finish_reason ?? undefined;
      for (;;) {
        const { value, done } = await reader.next();
        if (done) return finish;
        finish = value.choices[0]?.finish_reason ?? finish;
      }
    }),
  );
  assert.equal(await exited, 0);
  const drained = Number(stderr.match(/draining (\d+) in-flight/)?.[1]);
  assert.ok(drained >= 1, `SIGTERM found no request in flight: ${stderr}`);
  for (const finish of finishReasons) assert.ok(finish === "stop" || finish === "length", String(finish));
});
