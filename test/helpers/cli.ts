/**
 * Runs the `deliberate` CLI as a user would: `bin/deliberate.js` in a child process. Asynchronous, so a
 * loopback server living in the test's own process keeps answering while the command runs.
 */
import { spawn } from "node:child_process";
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
