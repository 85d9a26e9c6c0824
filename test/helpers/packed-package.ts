/**
 * The package as a user installs it: `await installPackedPackage()` builds src/ with scripts/build.mjs,
 * packs it with `npm pack` (the `files` of package.json decide what ships), and extracts the tarball into
 * `node_modules/deliberate` of a fresh project under `os.tmpdir()`. Offline: the project's other
 * node_modules entries are symlinks to this repository's, except `tsx` and `typescript`, so nothing there
 * can load TypeScript: the built package must run on plain node. Built once per test process (about 20 s).
 *
 * To run your own code against the built package, write an ES module into the project and run it with
 * plain node:
 *
 *   const project = await installPackedPackage();
 *   const run = await runInProject(project, "my-strategy.mjs", `
 *     import { solve } from "deliberate";
 *     import { ScriptedBackend } from "deliberate/testing";
 *     ...
 *     console.log(JSON.stringify(result));
 *   `);
 *   assert.equal(run.code, 0, run.stderr);
 *   JSON.parse(run.stdout);
 *
 * and the CLI as installed: `await runPackedCli(project, ["solve", ...])`.
 */
import { type SpawnOptions, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface PackedPackage {
  /** The project folder (outside the repository): package.json and node_modules/. */
  dir: string;
  /** `node_modules/.bin/deliberate`, linked to the package's bin as npm links it. */
  bin: string;
  /** `node_modules/deliberate`: the extracted tarball. */
  packageDir: string;
  /** The tarball `npm pack` wrote. */
  tarball: string;
  /** The tarball's files, relative to the package root (`dist/index.js`, `bin/deliberate.js`, …). */
  files: string[];
}

export interface ProcessResult {
  /** Exit code; null when the process was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

const repo = join(import.meta.dirname, "..", "..");
/** Repository node_modules entries the project does not get: nothing that loads TypeScript at run time. */
const NOT_LINKED = new Set(["deliberate", "tsx", "typescript"]);

let installed: Promise<PackedPackage> | undefined;

/** The built, packed and installed package; made on the first call of each test process. */
export function installPackedPackage(): Promise<PackedPackage> {
  installed ??= install();
  return installed;
}

async function install(): Promise<PackedPackage> {
  const root = mkdtempSync(join(tmpdir(), "deliberate-packed-"));
  process.once("exit", () => rmSync(root, { recursive: true, force: true }));

  // Stage the package: this repository's package.json and shipped folders, with a fresh build of src/
  // (into the stage, never the repository's dist/, so concurrent test files and editors do not race).
  const stage = join(root, "stage");
  mkdirSync(stage);
  await check(run(process.execPath, [join(repo, "scripts", "build.mjs"), "--out-dir", join(stage, "dist")]));
  for (const entry of ["package.json", "README.md", "LICENSE", "bin", "models"]) {
    if (existsSync(join(repo, entry))) cpSync(join(repo, entry), join(stage, entry), { recursive: true });
  }
  // --ignore-scripts: `prepare` would build again; the stage already holds the build.
  const packed = await check(
    run(npm(), ["pack", "--json", "--ignore-scripts", "--offline", "--pack-destination", root], {
      cwd: stage,
    }),
  );
  const [report] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = join(root, report!.filename);
  const files = report!.files.map((file) => file.path).sort();

  // The project: the tarball in node_modules/deliberate, every other dependency linked from the repository.
  const dir = join(root, "project");
  const modules = join(dir, "node_modules");
  const packageDir = join(modules, "deliberate");
  mkdirSync(packageDir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "project", private: true, type: "module" })}\n`,
  );
  await check(run("tar", ["-xzf", tarball, "-C", packageDir, "--strip-components=1"]));
  for (const entry of readdirSync(join(repo, "node_modules"))) {
    if (entry.startsWith(".") || NOT_LINKED.has(entry)) continue;
    symlinkSync(join(repo, "node_modules", entry), join(modules, entry));
  }
  const bin = join(modules, ".bin", "deliberate");
  mkdirSync(dirname(bin));
  symlinkSync(join("..", "deliberate", "bin", "deliberate.js"), bin);
  return { dir, bin, packageDir, tarball, files };
}

/** Writes `name` (an ES module, e.g. `check.mjs`) into the project and runs it with plain node there. */
export function runInProject(
  project: PackedPackage,
  name: string,
  source: string,
  options: { args?: string[]; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  const file = join(project.dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  return run(process.execPath, [file, ...(options.args ?? [])], {
    cwd: project.dir,
    timeout: options.timeoutMs,
  });
}

/** Runs the installed `deliberate` binary (its `#!/usr/bin/env node` line, this node first on PATH). */
export function runPackedCli(
  project: PackedPackage,
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return run(project.bin, args, { cwd: options.cwd ?? project.dir, timeout: options.timeoutMs });
}

/**
 * Spawns without the test process's loaders: no `--import tsx` (node:test children get it through
 * execArgv, which a spawn does not pass on) and no NODE_OPTIONS.
 */
function run(command: string, args: string[], options: SpawnOptions = {}): Promise<ProcessResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      timeout: 180_000,
      ...options,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", (error) => {
      stderr += `\n${error.message}`;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function check(result: Promise<ProcessResult>): Promise<ProcessResult> {
  const done = await result;
  if (done.code !== 0) throw new Error(`exit ${done.code}:\n${done.stderr}\n${done.stdout}`);
  return done;
}

/** npm beside this node (where node's installers put it), else the one on PATH. */
function npm(): string {
  const beside = join(dirname(process.execPath), "npm");
  return existsSync(beside) ? beside : "npm";
}
