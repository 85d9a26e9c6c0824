/**
 * The GGUF fuzz, as a function the test (and a longer manual run) calls: write seeded mutants of a
 * tiny model, validate each in this process, and load and generate the ones validation accepts in a
 * child process. The result says, per mutant, whether validation rejected it, llama.cpp failed
 * cleanly, it generated, or the child died on it (the failure this guards against).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliberateError } from "../../../src/errors.ts";
import { validateGgufFile } from "../../../src/models/gguf/validate-gguf-file.ts";
import { ggufMutants, type Mutant } from "./gguf-mutants.ts";

export type MutantOutcome =
  | { kind: "rejected"; message: string }
  | { kind: "loaded"; result: string }
  | { kind: "died"; signal: string | null; code: number | null; stderr: string };

export interface FuzzResult {
  mutants: Array<Mutant & { outcome: MutantOutcome }>;
  /** Milliseconds spent validating all mutants / loading the survivors. */
  validateMs: number;
  loadMs: number;
}

const child = join(import.meta.dirname, "generate-child.ts");

export async function runGgufFuzz(options: {
  original: Uint8Array;
  count: number;
  seed: number;
}): Promise<FuzzResult> {
  const dir = await mkdtemp(join(tmpdir(), "deliberate-gguf-fuzz-"));
  try {
    const mutants = ggufMutants(options.original, options.count, options.seed);
    const outcomes = new Map<number, MutantOutcome>();
    const survivors: Array<{ mutant: Mutant; path: string }> = [];
    const validateStarted = performance.now();
    for (const mutant of mutants) {
      const path = join(dir, `mutant-${mutant.index}.gguf`);
      await writeFile(path, mutant.bytes);
      try {
        await validateGgufFile(path);
        survivors.push({ mutant, path });
      } catch (error) {
        if (!DeliberateError.isInstance(error)) throw error;
        outcomes.set(mutant.index, { kind: "rejected", message: error.message });
      }
    }
    const validateMs = performance.now() - validateStarted;
    const loadStarted = performance.now();
    // One child loads them in turn; when one dies, a fresh child goes on after the one that killed it.
    let remaining = survivors;
    while (remaining.length > 0) {
      const run = await loadInChild(remaining.map((s) => s.path));
      for (const [at, result] of run.results)
        outcomes.set(remaining[at]!.mutant.index, { kind: "loaded", result });
      if (run.diedAt === undefined) break;
      outcomes.set(remaining[run.diedAt]!.mutant.index, {
        kind: "died",
        signal: run.signal,
        code: run.code,
        stderr: run.stderr.slice(-2000),
      });
      remaining = remaining.slice(run.diedAt + 1);
    }
    const loadMs = performance.now() - loadStarted;
    return {
      mutants: mutants.map((mutant) => ({ ...mutant, outcome: outcomes.get(mutant.index)! })),
      validateMs,
      loadMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ChildRun {
  results: Map<number, string>;
  /** Index of the path the child was working on when it died; undefined when it finished them all. */
  diedAt?: number;
  signal: string | null;
  code: number | null;
  stderr: string;
}

function loadInChild(paths: string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, ["--import", "tsx", child], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const results = new Map<number, string>();
    let started: number | undefined;
    let stdout = "";
    let stderr = "";
    process_.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      let newline = stdout.indexOf("\n");
      while (newline >= 0) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        const [word, at, ...rest] = line.split(" ");
        if (word === "start") started = Number(at);
        if (word === "done") {
          results.set(Number(at), rest.join(" "));
          started = undefined;
        }
        newline = stdout.indexOf("\n");
      }
    });
    process_.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    process_.on("error", reject);
    process_.on("close", (code, signal) => {
      const finished = code === 0 && signal === null && results.size === paths.length;
      resolve({
        results,
        diedAt: finished ? undefined : (started ?? results.size),
        signal,
        code,
        stderr,
      });
    });
    process_.stdin.end(`${paths.join("\n")}\n`);
  });
}
