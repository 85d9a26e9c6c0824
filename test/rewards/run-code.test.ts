/**
 * `POST /run_code`, SandboxFusion's contract, over real HTTP on loopback and the real sandboxes
 * (pyodide for `python`, QuickJS for `nodejs`): request bodies shaped like verl's sandbox client
 * sends them (`code`, `language`, `run_timeout`, `memory_limit_MB`, `stdin`, `files`,
 * `compile_timeout`), answers shaped like SandboxFusion's, and clear 400s for what we do not run.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closeSandboxes } from "../../src/sandbox/run-code.ts";
import { GateScorer, startService, type TestService } from "./service-helpers.ts";

interface RunCodeReply {
  status: string;
  message: string;
  compile_result: null;
  run_result: {
    status: string;
    execution_time: number;
    return_code: number | null;
    stdout: string;
    stderr: string;
  };
  files: Record<string, string>;
}

let service: TestService;
before(async () => {
  const scorer = new GateScorer();
  scorer.open();
  service = await startService({ scorer, maxRunTimeoutMs: 20_000 });
});
after(async () => {
  await service.close();
  await closeSandboxes();
});

const run = (body: Record<string, unknown>) =>
  service.post<RunCodeReply>("/run_code", {
    compile_timeout: 10,
    memory_limit_MB: -1,
    run_timeout: 10,
    ...body,
  });

test("python: stdout, a clean exit, and the shape SandboxFusion answers with", async () => {
  const reply = await run({ code: "print(sum(range(10)))", language: "python" });
  assert.equal(reply.status, 200);
  assert.equal(reply.json.status, "Success");
  assert.equal(reply.json.compile_result, null);
  assert.deepEqual(reply.json.files, {});
  const result = reply.json.run_result;
  assert.equal(result.status, "Finished");
  assert.equal(result.return_code, 0);
  assert.equal(result.stdout, "45\n");
  assert.equal(result.stderr, "");
  assert.equal(typeof result.execution_time, "number");
});

test("python: a crash is Failed with return code 1 and the traceback at the program's own line", async () => {
  const reply = await run({ code: "x = 1\nraise ValueError('boom')", language: "python", stdin: "unused\n" });
  assert.equal(reply.json.status, "Failed");
  assert.equal(reply.json.run_result.status, "Finished");
  assert.equal(reply.json.run_result.return_code, 1);
  assert.match(reply.json.run_result.stderr, /File "<code>", line 2/);
  assert.match(reply.json.run_result.stderr, /ValueError: boom/);
  const exit = await run({ code: "import sys\nsys.exit(3)", language: "python" });
  assert.equal(exit.json.run_result.return_code, 3);
  const syntax = await run({ code: "def f(:\n  pass", language: "python", stdin: "1\n" });
  assert.equal(syntax.json.run_result.return_code, 1);
  assert.match(syntax.json.run_result.stderr, /SyntaxError: .*\(line 1\)/);
});

test("python: stdin and files (base64) reach the program, as in code-contest rewards", async () => {
  const reply = await run({
    language: "python",
    code: [
      "n = int(input())",
      "xs = list(map(int, input().split()))",
      "print(n, sum(xs))",
      "print(open('data/notes.txt').read().strip())",
      "import sys; print(repr(sys.stdin.read()))",
    ].join("\n"),
    stdin: "3\n1 2 3\nrest",
    files: { "data/notes.txt": Buffer.from("hello file\n").toString("base64") },
  });
  assert.equal(reply.json.status, "Success", reply.json.run_result.stderr);
  assert.equal(reply.json.run_result.stdout, "3 6\nhello file\n'rest'\n");
});

test("a program past run_timeout is TimeLimitExceeded, and the next program runs", async () => {
  const reply = await run({ code: "while True:\n    pass", language: "python", run_timeout: 1 });
  assert.equal(reply.json.status, "Failed");
  assert.equal(reply.json.run_result.status, "TimeLimitExceeded");
  assert.equal(reply.json.run_result.return_code, null);
  const next = await run({ code: "print('alive')", language: "python" });
  assert.equal(next.json.run_result.stdout, "alive\n");
  const js = await run({ code: "for (;;) {}", language: "nodejs", run_timeout: 0.5 });
  assert.equal(js.json.run_result.status, "TimeLimitExceeded");
});

test("nodejs runs in QuickJS: console output, errors on stderr, and no stdin, files or require", async () => {
  const ok = await run({ code: "console.log([1, 2, 3].map((x) => x * 2).join(','))", language: "nodejs" });
  assert.equal(ok.json.status, "Success");
  assert.equal(ok.json.run_result.stdout, "2,4,6\n");
  const crash = await run({ code: "throw new TypeError('nope')", language: "nodejs" });
  assert.equal(crash.json.status, "Failed");
  assert.equal(crash.json.run_result.return_code, 1);
  assert.match(crash.json.run_result.stderr, /TypeError: nope/);
  const requires = await run({ code: "const fs = require('fs')", language: "nodejs" });
  assert.equal(requires.json.run_result.return_code, 1);
  assert.match(requires.json.run_result.stderr, /require/);
  for (const extra of [{ stdin: "1\n" }, { files: { "a.txt": "YQ==" } }]) {
    const refused = await service.post<{ error: { param: string; message: string } }>("/run_code", {
      code: "console.log(1)",
      language: "nodejs",
      ...extra,
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error.param, Object.keys(extra)[0]);
    assert.match(refused.json.error.message, /QuickJS/);
  }
});

test("limits: run_timeout over the server's bound, memory over the sandbox's, fetch_files: 400s naming the field", async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ run_timeout: 30 }, "run_timeout"],
    [{ memory_limit_MB: 100_000 }, "memory_limit_MB"],
    [{ fetch_files: ["out.txt"] }, "fetch_files"],
    [{ stdin: "1", code: "from __future__ import annotations\nprint(input())" }, "stdin"],
  ];
  for (const [extra, param] of cases) {
    const reply = await service.post<{ error: { param: string } }>("/run_code", {
      code: "print(1)",
      language: "python",
      ...extra,
    });
    assert.equal(reply.status, 400, JSON.stringify(extra));
    assert.equal(reply.json.error.param, param);
  }
});
