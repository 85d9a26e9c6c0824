/**
 * A throwaway PostgreSQL server for tests: Debian's binaries (/usr/lib/postgresql/VERSION/bin),
 * a fresh cluster in a temp dir (trust auth, user `deliberate`, fsync off), listening on a free
 * loopback port with its unix socket in the same dir. One per test file; a fresh database per test.
 *
 * Postgres refuses to run as root, and tests run as root here and in CI: then initdb and the
 * server run as the `postgres` system user (which Debian's package creates), through `setpriv`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";

export interface PostgresServer {
  /** Loopback port the server listens on. */
  port: number;
  /** The URL of a database on this server (the `postgres` maintenance database by default). */
  url(database?: string, password?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(options?: { password?: string }): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** The newest installed server's bin directory, or a clear failure saying what to install. */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter(
          (v) => existsSync(join(root, v, "bin", "initdb")) && existsSync(join(root, v, "bin", "postgres")),
        )
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (initdb, postgres): apt-get install postgresql",
    );
  }
  return join(root, versions[0]!, "bin");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** How to run a server binary: as the `postgres` user when we are root. */
function runAs(): {
  wrap: (command: string, args: string[]) => [string, string[]];
  uid?: number;
  gid?: number;
} {
  if (process.getuid?.() !== 0) return { wrap: (command, args) => [command, args] };
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  } catch {
    throw new Error(
      "running as root and there is no `postgres` user to run the server as: apt-get install postgresql (it creates one)",
    );
  }
  return {
    uid,
    gid,
    wrap: (command, args) => [
      "setpriv",
      [`--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--", command, ...args],
    ],
  };
}

const serverReadyMs = 60_000;

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), "deliberate-pg-"));
  const data = join(dir, "data");
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid!);
  const [initdb, initArgs] = as.wrap(join(bin, "initdb"), [
    "-D",
    data,
    "--auth=trust",
    "-U",
    "deliberate",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  try {
    execFileSync(initdb, initArgs, { stdio: "pipe", cwd: dir });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`initdb failed: ${stderr || (error as Error).message}`);
  }
  const port = await freePort();
  const [postgres, args] = as.wrap(join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "shared_buffers=32MB",
  ]);
  const child: ChildProcess = spawn(postgres, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (chunk) => {
    log = (log + chunk).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  child.once("exit", () => {
    running = false;
  });
  // setpriv execs the server, so the child is the postmaster: stopped even if the test process dies.
  const kill = () => {
    if (running) child.kill("SIGQUIT");
  };
  process.once("exit", kill);

  const url = (database = "postgres", password?: string) =>
    `postgres://deliberate${password ? `:${password}` : ""}@127.0.0.1:${port}/${database}`;

  // Ready when a connection succeeds (not when a log line appears): the real condition.
  const deadline = Date.now() + serverReadyMs;
  for (;;) {
    if (!running) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postgres exited while starting:\n${log}`);
    }
    const client = new pg.Client({ connectionString: url() });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) {
        kill();
        rmSync(dir, { recursive: true, force: true });
        throw new Error(
          `postgres did not accept connections within ${serverReadyMs} ms: ${(error as Error).message}\n${log}`,
        );
      }
      await sleep(50);
    }
  }

  let databases = 0;
  return {
    port,
    url,
    async createDatabase({ password } = {}) {
      const name = `test_${++databases}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name, password);
    },
    async stop() {
      process.removeListener("exit", kill);
      // SIGINT: "fast" shutdown (ends sessions, no checkpoint wait worth having for a throwaway dir).
      if (running) child.kill("SIGINT");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
