/**
 * Your own models, end to end: a GGUF trained without a chat template (the shipped tiny-reasoner,
 * copied to a path of its own as `deliberate train` would leave one) works through `generate`,
 * `solve`, `eval` and `serve` with one raw-prompt setting — `raw:PATH` on the command line or
 * `rawPrompt: true` in deliberate.config.yaml — and `--context-size` reaches llama.cpp. Real
 * processes, real llama.cpp; no assertion depends on which tokens the model samples.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Command } from "commander";
import { evalCommand } from "../../src/cli/commands/eval.ts";
import { generateCommand } from "../../src/cli/commands/generate.ts";
import { serveCommand } from "../../src/cli/commands/serve.ts";
import { solveCommand } from "../../src/cli/commands/solve.ts";
import { builtinModelPath } from "../../src/models/builtin.ts";
import type { Completion } from "../../src/models/types.ts";
import { runCli, serveCli } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "deliberate-raw-"));
const model = join(dir, "model.gguf");
copyFileSync(builtinModelPath("tiny-reasoner"), model);
writeFileSync(
  join(dir, "deliberate.config.yaml"),
  `models:
  mine:
    gguf: ./model.gguf
    rawPrompt: true
    threads: 1
  tiny: builtin:tiny-reasoner
`,
);

const QUESTION = "Compute 3+5+1.";
const FLAGS = ["--threads", "1"];

interface GenerateOutput {
  backend: string;
  completions: Completion[];
}

async function generate(args: string[]): Promise<GenerateOutput> {
  const run = await runCli(["generate", ...args, ...FLAGS, "--max-tokens", "40", "--seed", "3", "--json"], {
    cwd: dir,
  });
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as GenerateOutput;
}

test("generate: raw:PATH and a rawPrompt config entry send question + newline, as --raw does by hand", async () => {
  const byHand = await generate(["-m", model, "--raw", `${QUESTION}\n`]);
  for (const spec of [`raw:${model}`, "mine", "tiny"]) {
    const { backend, completions } = await generate(["-m", spec, QUESTION]);
    assert.match(backend, /#raw$/, spec);
    assert.equal(completions[0]!.usage.promptTokens, byHand.completions[0]!.usage.promptTokens, spec);
    assert.equal(completions[0]!.text, byHand.completions[0]!.text, `${spec}: same prompt, same seed`);
  }
});

test("solve: a raw-prompt model under self-consistency, with --context-size", async () => {
  const run = await runCli(
    [
      "solve",
      "-m",
      `raw:${model}`,
      "-s",
      "self-consistency",
      "-n",
      "3",
      ...FLAGS,
      "--context-size",
      "128",
      "--json",
      QUESTION,
    ],
    { cwd: dir },
  );
  assert.equal(run.code, 0, run.stderr);
  const { solution } = JSON.parse(run.stdout);
  const usage = solution.usage[`llama:model.gguf#raw`];
  assert.equal(usage.calls, 1);
  // Three samples of `question + "\n"` (a BOS and one token per character here), not the
  // strategy's system prompt and a chat template.
  assert.ok(usage.promptTokens <= 3 * (QUESTION.length + 2), `prompt tokens ${usage.promptTokens}`);
  const configured = await runCli(["solve", "-m", "mine", ...FLAGS, QUESTION], { cwd: dir });
  assert.equal(configured.code, 0, configured.stderr);
  assert.match(configured.stdout, /^calls: 1 \(llama:model\.gguf#raw: 1\)$/m);
});

test("eval: raw:PATH runs a synthetic set with --context-size", async () => {
  const out = join(dir, "eval");
  const run = await runCli(
    [
      "eval",
      "-m",
      `raw:${model}`,
      "-s",
      "cot?maxTokens=40",
      "-d",
      "synthetic:sums?difficulty=1&n=3",
      ...FLAGS,
      "--context-size",
      "128",
      "--grader",
      "sync",
      "--progress",
      "none",
      "-o",
      out,
    ],
    { cwd: dir },
  );
  assert.equal(run.code, 0, run.stderr);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  assert.equal(results.overall.errors, 0);
  assert.equal(results.overall.n, 3);
  assert.ok(results.overall.promptTokens <= 3 * 40, `raw prompts: ${results.overall.promptTokens} tokens`);
});

test("serve: a raw-prompt model answers chat requests", async () => {
  const { url, child } = await serveCli(["-m", "mine", ...FLAGS], { cwd: dir });
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "self-consistency/mine",
        messages: [{ role: "user", content: QUESTION }],
        max_tokens: 40,
        deliberate: { samples: 2 },
      }),
    });
    const body = (await response.json()) as {
      choices: Array<{ message: { content: unknown } }>;
      usage: { prompt_tokens: number };
    };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(typeof body.choices[0].message.content, "string");
    assert.ok(
      body.usage.prompt_tokens <= 2 * (QUESTION.length + 2),
      `prompt tokens ${body.usage.prompt_tokens}`,
    );
  } finally {
    child.kill("SIGTERM");
  }
});

test("--context-size is validated, and a prompt longer than it is refused naming it", async () => {
  const commands: Array<[Command, string[]]> = [
    [generateCommand(), ["x", "-m", model]],
    [solveCommand(), ["x", "-m", model]],
    [evalCommand(), ["-m", model]],
    [serveCommand(), ["-m", model]],
  ];
  for (const [command, args] of commands) {
    // Commander rejects the value while parsing, before the command's action loads anything.
    command.exitOverride().configureOutput({ writeErr: () => {} });
    await assert.rejects(
      command.parseAsync([...args, "--context-size", "8"], { from: "user" }),
      /--context-size.*expected an integer >= 16/,
      command.name(),
    );
  }
  const long = await runCli([
    "generate",
    "-m",
    `raw:${model}`,
    ...FLAGS,
    "--context-size",
    "16",
    "x".repeat(40),
  ]);
  assert.equal(long.code, 2, long.stderr);
  assert.match(long.stderr, /holds 16 \(raise `contextSize`\)/);
});

test("config errors about builtin models name the line and the closest name; models inspect builtin:NAME", async () => {
  const bad = mkdtempSync(join(tmpdir(), "deliberate-raw-bad-"));
  writeFileSync(
    join(bad, "deliberate.config.yaml"),
    "models:\n  ok: builtin:tiny-reasoner\n  tiny: builtin:tiny-reasonr\n",
  );
  const run = await runCli(["generate", "-m", "tiny", "x"], { cwd: bad });
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /deliberate\.config\.yaml:3: `models\.tiny`: unknown builtin model `tiny-reasonr`; did you mean `tiny-reasoner`\?/,
  );

  const inspect = await runCli(["models", "inspect", "builtin:tiny-reasoner", "--json"]);
  assert.equal(inspect.code, 0, inspect.stderr);
  const inspection = JSON.parse(inspect.stdout);
  assert.equal(inspection.architecture, "llama");
  assert.deepEqual(inspection.validation, { ok: true });
  const unknown = await runCli(["models", "inspect", "builtin:tiny-reasoner-larg"]);
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /did you mean `tiny-reasoner-large`\?/);
  const listed = await runCli(["models", "--json"], { cwd: dir });
  const configured = JSON.parse(listed.stdout).configured;
  assert.deepEqual(
    configured.map((m: { name: string; rawPrompt: boolean }) => [m.name, m.rawPrompt]),
    [
      ["mine", true],
      ["tiny", true],
    ],
  );
});
