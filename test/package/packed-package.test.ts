/**
 * deliberate as an installed npm package: built (scripts/build.mjs), packed (`npm pack`), extracted into a
 * project outside the repository whose node_modules has no tsx and no typescript, and run with plain node:
 * the library through its exports, the worker threads and child processes it starts, and the CLI binary.
 * No assertion depends on which tokens a random-weight model samples.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { before, test } from "node:test";
import {
  installPackedPackage,
  type PackedPackage,
  runInProject,
  runPackedCli,
} from "../helpers/packed-package.ts";

let project: PackedPackage;
before(async () => {
  project = await installPackedPackage();
});

test("the tarball ships dist/ with .d.ts, the bin and the builtin models; no sources, no tests", () => {
  const { files } = project;
  for (const file of [
    "package.json",
    "README.md",
    "bin/deliberate.js",
    "dist/index.js",
    "dist/index.d.ts",
    "dist/server/index.js",
    "dist/server/index.d.ts",
    "dist/testing/index.js",
    "dist/testing/index.d.ts",
    "dist/cli/main.js",
    "dist/grading/grade-worker.js",
    "dist/lab/tensor/matmul-worker.js",
    "dist/sandbox/quickjs-worker.mjs",
    "dist/sandbox/pyodide-runner.mjs",
    "dist/sandbox/pyodide-prelude.py",
    "models/manifest.json",
    "models/tiny-reasoner.gguf",
  ]) {
    assert.ok(files.includes(file), `${file} is in the tarball`);
  }
  const unwanted = files.filter(
    (file) =>
      file.startsWith("src/") ||
      file.startsWith("test/") ||
      file.startsWith("scripts/") ||
      (file.endsWith(".ts") && !file.endsWith(".d.ts")),
  );
  assert.deepEqual(unwanted, []);

  // Every relative import in the built JavaScript names a file that shipped, never a .ts source.
  const shipped = new Set(files);
  const missing: string[] = [];
  for (const file of files.filter((f) => /\.m?js$/.test(f))) {
    const text = readFileSync(join(project.packageDir, file), "utf8");
    for (const [, spec] of text.matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      const target = new URL(spec!, `file:///${file}`).pathname.slice(1);
      if (!shipped.has(target)) missing.push(`${file} → ${spec}`);
    }
  }
  assert.deepEqual(missing, []);

  const pkg = JSON.parse(readFileSync(join(project.packageDir, "package.json"), "utf8"));
  assert.equal(pkg.dependencies.tsx, undefined, "tsx is a dev dependency only");
  assert.equal(pkg.exports["."].types, "./dist/index.d.ts");
});

test("the project cannot resolve tsx or typescript: the package must run on plain node", () => {
  const require = createRequire(join(project.packageDir, "package.json"));
  assert.throws(() => require.resolve("tsx"), { code: "MODULE_NOT_FOUND" });
  assert.throws(() => require.resolve("typescript"), { code: "MODULE_NOT_FOUND" });
  assert.ok(require.resolve("zod"), "runtime dependencies resolve");
});

test("import { solve } from 'deliberate' and 'deliberate/testing' in a plain .mjs", async () => {
  const run = await runInProject(
    project,
    "solve.mjs",
    `import { answerKey, solve, strategies } from "deliberate";
import { startServer } from "deliberate/server";
import { ScriptedBackend } from "deliberate/testing";

const policy = new ScriptedBackend({ script: ["The answer is \\\\boxed{4}."] });
const solution = await solve(
  { messages: [{ role: "user", content: "What is 2 + 2?" }] },
  { strategy: "self-consistency", options: { samples: 3 }, backends: { policy } },
);
console.log(JSON.stringify({
  answer: solution.answer,
  key: solution.key,
  expected: answerKey("\\\\boxed{4}"),
  confidence: solution.confidence,
  candidates: solution.candidates?.length,
  calls: policy.calls?.length,
  strategies: Object.keys(strategies).length,
  startServer: typeof startServer,
}));
`,
  );
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.key, result.expected);
  assert.equal(result.confidence, 1);
  assert.ok(result.strategies > 0);
  assert.equal(result.startServer, "function");
});

test("a TypeScript project type-checks against the shipped .d.ts (types are real, not any)", async () => {
  writeFileSync(
    join(project.dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
      },
      include: ["check.ts"],
    }),
  );
  writeFileSync(
    join(project.dir, "check.ts"),
    `import { DeliberateError, type Solution, solve } from "deliberate";
import type { StartServerOptions } from "deliberate/server";
import { ScriptedBackend } from "deliberate/testing";

const policy = new ScriptedBackend({ script: ["\\\\boxed{4}"] });
const solution: Solution = await solve(
  { messages: [{ role: "user", content: "What is 2 + 2?" }] },
  { strategy: "self-consistency", options: { samples: 3 }, backends: { policy } },
);
const confidence: number = solution.confidence;
// @ts-expect-error confidence is a number
const wrong: string = solution.confidence;
export const values = [confidence, wrong, new DeliberateError("BAD_REQUEST", "x")] as const;
export type Options = StartServerOptions;
`,
  );
  // The repository's tsc, run from outside: the project itself has no typescript.
  const tsc = join(import.meta.dirname, "..", "..", "node_modules", "typescript", "bin", "tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", join(project.dir, "tsconfig.json")], {
    encoding: "utf8",
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

test("worker threads and child processes start from dist/: grading pool, QuickJS, pyodide, matmul", async () => {
  const run = await runInProject(
    project,
    "workers.mjs",
    `import { GradePool, runCode } from "deliberate";
// Not an export: the lab's matmul pool, loaded by path, to see that its workers start from dist/.
import { MatmulPool } from "./node_modules/deliberate/dist/lab/tensor/matmul-pool.js";

const pool = new GradePool({ size: 2 });
const graded = await pool.grade("so \\\\boxed{\\\\frac{1}{2}}", "0.5");
await pool.close();

const js = await runCode({ language: "javascript", code: "console.log(6 * 7)" });
const py = await runCode({ language: "python", code: "print(6 * 7)" });

const matmul = new MatmulPool({ threads: 3 });
const ready = await matmul.ready(20_000);
await matmul.close();

console.log(JSON.stringify({ graded, js, py, ready }));
process.exit(0);
`,
    { timeoutMs: 170_000 },
  );
  assert.equal(run.code, 0, run.stderr);
  const { graded, js, py, ready } = JSON.parse(run.stdout);
  assert.equal(graded.correct, true, JSON.stringify(graded));
  assert.equal(js.stdout.trim(), "42", JSON.stringify(js));
  assert.equal(py.stdout.trim(), "42", JSON.stringify(py));
  assert.equal(ready, 2, "both matmul workers started");
});

test("the deliberate binary: --help, dev tiny-model, solve and eval with real llama.cpp", async () => {
  const help = await runPackedCli(project, ["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: deliberate/);
  for (const command of ["solve", "eval", "serve", "dev"])
    assert.match(help.stdout, new RegExp(`\\b${command}\\b`));

  const model = join(project.dir, "tiny.gguf");
  const tiny = await runPackedCli(project, ["dev", "tiny-model", "--out", model, "--json"]);
  assert.equal(tiny.code, 0, tiny.stderr);
  assert.equal(JSON.parse(tiny.stdout).path, model);
  assert.ok(existsSync(model));

  const solve = await runPackedCli(project, [
    "solve",
    "--model",
    model,
    "--strategy",
    "self-consistency",
    "--samples",
    "2",
    "-o",
    "maxTokens=8",
    "--threads",
    "1",
    "--json",
    "What is 2 + 2?",
  ]);
  assert.equal(solve.code, 0, solve.stderr);
  const { solution, trace } = JSON.parse(solve.stdout);
  assert.equal(solution.strategy, "self-consistency");
  assert.equal(solution.traceId, trace.id);
  assert.ok(trace.nodes.some((node: { kind: string }) => node.kind === "generate"));

  // builtin: models resolve to the package's own models/ folder.
  const builtin = await runPackedCli(project, [
    "solve",
    "--model",
    "builtin:tiny-reasoner",
    "-o",
    "maxTokens=16",
    "--threads",
    "1",
    "Compute 1+2.",
  ]);
  assert.equal(builtin.code, 0, builtin.stderr);
  assert.match(builtin.stdout, /^answer: /m);

  const dataset = join(project.dir, "tiny.jsonl");
  writeFileSync(
    dataset,
    `${[
      { problem: "What is 2 + 2?", answer: "4" },
      { problem: "What is 3 + 4?", answer: "7" },
    ]
      .map((record) => JSON.stringify(record))
      .join("\n")}\n`,
  );
  const out = join(project.dir, "eval-run");
  const evaluated = await runPackedCli(project, [
    "eval",
    "--model",
    model,
    "--strategy",
    "cot?maxTokens=8&temperature=0",
    "--dataset",
    dataset,
    "--threads",
    "1",
    "--grader",
    "pool",
    "--progress",
    "none",
    "--out",
    out,
  ]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /2 solved, 0 reused/);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
  assert.equal(results.overall.n + results.overall.errors, 2);
  assert.equal(results.overall.errors, 0, "a random-weight model answers badly, but nothing fails");
  assert.equal(results.versions.deliberate, JSON.parse(readFileSync("package.json", "utf8")).version);
});
