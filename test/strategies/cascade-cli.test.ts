/**
 * `deliberate solve --strategy cascade --model A --large B` as a user runs it: a child process, over
 * the loopback OpenAI-compatible server and over two tiny GGUF files on real llama.cpp.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { CascadeDetails } from "../../src/strategies/cascade.ts";
import { type OpenAIServer, startOpenAIServer } from "../../src/testing/openai-server.ts";
import type { StrategyNode, Trace } from "../../src/trace/types.ts";
import { runCli } from "../helpers/cli.ts";
import { tinyModelPath } from "../helpers/tiny-model.ts";

let server: OpenAIServer;
before(async () => {
  // The small model splits 40/41/42 by seed; the large one knows.
  server = await startOpenAIServer({
    models: ["small", "large"],
    responder: ({ n, body }) => ({
      choices: Array.from({ length: n }, (_, i) => ({
        text: body.model === "large" ? "\\boxed{42}" : `\\boxed{${40 + (((body.seed as number) + i) % 3)}}`,
      })),
    }),
  });
});
after(() => server.close());

/** The cascade span's details, as the trace file records them. */
function cascadeSpan(file: string): CascadeDetails {
  const trace = JSON.parse(readFileSync(file, "utf8")) as Trace;
  const span = trace.nodes.find((n): n is StrategyNode => n.kind === "strategy" && n.name === "cascade");
  assert.ok(span, "the trace has the cascade span");
  assert.ok(span.data.details, "the cascade span records its details");
  return span.data.details as CascadeDetails;
}

test("solve --strategy cascade escalates a split small model to --large", async () => {
  const traceFile = join(mkdtempSync(join(tmpdir(), "deliberate-cascade-")), "trace.json");
  const { code, stdout, stderr } = await runCli([
    "solve",
    "-m",
    `openai:small@${server.url}`,
    "--large",
    `openai:large@${server.url}`,
    "-s",
    "cascade",
    "-n",
    "3",
    "--trace",
    traceFile,
    "What is 6 * 7?",
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^answer: 42$/m);
  assert.match(stdout, /^calls: 2 \(openai:small@.*: 1, openai:large@.*: 1\)$/m);
  const span = cascadeSpan(traceFile);
  assert.equal(span.escalated, true);
  assert.ok(span.tokens.large > 0);
});

test("solve --strategy cascade runs two GGUF files on llama.cpp", async () => {
  const traceFile = join(mkdtempSync(join(tmpdir(), "deliberate-cascade-")), "trace.json");
  const [small, large] = [await tinyModelPath(), await tinyModelPath({ seed: 2 })];
  const args = ["solve", "-m", small, "--large", large, "-s", "cascade", "-n", "3", "--threads", "1"];
  const { code, stdout, stderr } = await runCli([
    ...args,
    "-o",
    "maxTokens=16",
    "--budget-calls",
    "4",
    "--trace",
    traceFile,
    "What is 6 * 7?",
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^calls: \d \(llama:/m);
  const span = cascadeSpan(traceFile);
  assert.equal(typeof span.escalated, "boolean");
  // The CLI's usage line names the large model exactly when the cascade escalated.
  assert.equal(stdout.includes(span.backends.large), span.escalated);
});
