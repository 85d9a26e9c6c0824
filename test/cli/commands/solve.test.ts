/**
 * `deliberate solve` and `deliberate strategies` as a user runs them: a child process talking to the
 * loopback OpenAI-compatible server.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type OpenAIServer, startOpenAIServer } from "../../../src/testing/openai-server.ts";
import { runCli } from "../../helpers/cli.ts";
import { tinyModelPath } from "../../helpers/tiny-model.ts";

let server: OpenAIServer;
before(async () => {
  server = await startOpenAIServer({
    responder: ({ n, body }) => ({
      choices: Array.from({ length: n }, (_, i) => ({
        text: `6 times 7 is \\boxed{${((body.seed as number) + i) % 3 === 0 ? 41 : 42}}`,
      })),
    }),
  });
});
after(() => server.close());

test("solve prints the answer, confidence, calls, tokens and time", async () => {
  const dir = mkdtempSync(join(tmpdir(), "deliberate-solve-"));
  const traceFile = join(dir, "trace.json");
  const model = `openai:test-model@${server.url}`;
  const args = [
    "solve",
    "-m",
    model,
    "-s",
    "self-consistency",
    "-n",
    "6",
    "--seed",
    "2",
    "--trace",
    traceFile,
  ];
  const { code, stdout, stderr } = await runCli([...args, "What is 6 * 7?"]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^answer: 42$/m);
  assert.match(stdout, /^confidence: 0\.\d{3}$/m);
  assert.match(stdout, /^calls: 1 \(openai:test-model@/m);
  assert.match(stdout, /^tokens: \d+ \(prompt \d+, completion \d+\)$/m);
  assert.match(stdout, /^time: \d+\.\d\d s$/m);
  const trace = JSON.parse(readFileSync(traceFile, "utf8"));
  assert.ok(trace.nodes.some((n: { kind: string }) => n.kind === "vote"));
});

test("solve --json prints the Solution with its trace; strategy options pass through -o", async () => {
  const model = `openai:test-model@${server.url}`;
  const { code, stdout, stderr } = await runCli([
    "solve",
    "-m",
    model,
    "-s",
    "self-consistency",
    "-o",
    'stopping={"rule":"esc","window":2}',
    "-o",
    "samples=10",
    "--budget-calls",
    "3",
    "--json",
    "What is 6 * 7?",
  ]);
  assert.equal(code, 0, stderr);
  const { solution, trace } = JSON.parse(stdout);
  assert.equal(solution.strategy, "self-consistency");
  assert.ok(solution.key === "42" || solution.key === "41");
  assert.equal(solution.traceId, trace.id);
  const root = trace.nodes.find((n: { parentId?: string }) => n.parentId === undefined);
  assert.deepEqual(root.data.options.stopping, { rule: "esc", window: 2 });
  const calls = Object.values(solution.usage as Record<string, { calls: number }>)[0].calls;
  assert.ok(calls <= 3);
});

test("solve --progress lines: samples and the vote on stderr, stdout only the JSON; off a terminal, none by default", async () => {
  const model = `openai:test-model@${server.url}`;
  const base = ["solve", "-m", model, "-s", "self-consistency", "-n", "6", "--seed", "2"];
  const shown = await runCli([...base, "--progress", "lines", "--json", "What is 6 * 7?"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.equal(JSON.parse(shown.stdout).solution.answer, "42");
  assert.match(shown.stderr, /^self-consistency: 0\/6 samples$/m);
  assert.match(shown.stderr, /^self-consistency: 6\/6 samples · vote 42 \(\d of 6\)$/m);
  const quiet = await runCli([...base, "What is 6 * 7?"]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /samples/);
  const bad = await runCli([...base, "--progress", "loud", "What is 6 * 7?"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Allowed choices are auto, bar, lines, none/);
});

test("mistakes exit 2 with a message naming the option", async () => {
  const model = `openai:test-model@${server.url}`;
  const noSamples = await runCli(["solve", "-m", model, "-s", "cot", "-n", "4", "q"]);
  assert.equal(noSamples.code, 2);
  assert.match(noSamples.stderr, /`cot` takes no `--samples`/);
  const unknown = await runCli(["solve", "-m", model, "-s", "magic", "q"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown strategy `magic`/);
});

test("strategies lists names, descriptions and options", async () => {
  const { code, stdout } = await runCli(["strategies"]);
  assert.equal(code, 0);
  for (const name of ["cot", "self-consistency", "confidence-vote", "best-of-n", "weighted-best-of-n"]) {
    assert.match(stdout, new RegExp(`^${name}$`, "m"));
  }
  assert.match(stdout, /^ {4}samples: integer \(default 8\)$/m);
  const json = JSON.parse((await runCli(["strategies", "--json"])).stdout);
  assert.ok(json.find((s: { name: string }) => s.name === "best-of-n").options.properties.verifier);
});

test("solve runs a local GGUF through llama.cpp", async () => {
  const model = await tinyModelPath();
  const { code, stdout, stderr } = await runCli([
    "solve",
    "-m",
    model,
    "--threads",
    "1",
    "-s",
    "self-consistency",
    "-n",
    "3",
    "-o",
    "maxTokens=12",
    "--json",
    "What is 6 * 7?",
  ]);
  assert.equal(code, 0, stderr);
  const { solution, trace } = JSON.parse(stdout);
  const [id] = Object.keys(solution.usage);
  assert.match(id, /^llama:/);
  assert.ok(solution.usage[id].completionTokens > 0 && solution.usage[id].completionTokens <= 36);
  assert.ok(trace.nodes.some((n: { kind: string }) => n.kind === "vote"));
});
