/**
 * Runs the `deliberate` CLI as a user would: `bin/deliberate.js` in a child process. Asynchronous, so a
 * loopback server living in the test's own process keeps answering while the command runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export interface CliRun {
  /** Exit code; null when the process was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

const bin = join(import.meta.dirname, "..", "..", "bin", "deliberate.js");

export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const { cwd, timeoutMs = 120_000 } = options;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServeProcess {
  /** The server's base URL, without `/v1`. */
  url: string;
  child: ChildProcess;
}

/** Starts `deliberate serve ARGS --port 0` and resolves once it says where it listens. */
export function serveCli(args: string[], options: { cwd?: string } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [bin, "serve", ...args, "--port", "0"], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr!.on("data", (data) => {
      stderr += data;
      const match = stderr.match(/at (http:\/\/\S+)\/v1/);
      if (match) resolve({ url: match[1]!, child });
    });
    child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}
