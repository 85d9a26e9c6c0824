/**
 * A deterministic distributed-eval setup: a loopback OpenAI-compatible server whose every sample is
 * a pure function of (prompt, sample seed) — right with probability 0.6, so any process answering
 * any item gives the same record — behind a configured model with a small in-flight limit, and
 * workers run as real `deliberate worker` child processes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDataset } from "../../../src/eval/datasets/load-dataset.ts";
import { type EvalPlan, parseEvalPlan } from "../../../src/eval/eval-plan.ts";
import { openStore } from "../../../src/eval/store.ts";
import type { EvalRecord } from "../../../src/eval/types.ts";
import { type OpenAIServer, startOpenAIServer } from "../../../src/testing/openai-server.ts";

export const datasetSpec = "synthetic:arithmetic?difficulty=2&n=12&seed=3";
/** 12 items × 2 seeds × 2 strategies. */
export const totalItems = 48;

/** A number in [0, 1) fixed by the text. */
function unit(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/** The answering server; `delayMs` per request makes items take long enough to overlap and be killed. */
export async function startAnsweringServer(delayMs: number): Promise<OpenAIServer> {
  const dataset = await loadDataset(datasetSpec);
  const gold = dataset.items.map((item) => [item.question, item.gold] as const);
  return startOpenAIServer({
    responder: ({ prompt, n, body }) => {
      const answer = gold.find(([question]) => prompt.includes(question))?.[1];
      const seed = typeof body.seed === "number" ? body.seed : 0;
      const choices = Array.from({ length: n }, (_, i) => {
        if (answer === undefined) return { text: "I do not know." };
        const draw = unit(`${prompt}\u0000${seed + i}`);
        const value = draw < 0.6 ? answer : String(Number(answer) + 1 + Math.floor(draw * 10));
        return { text: `Let me work it out. The answer is \\boxed{${value}}.` };
      });
      return { choices, delayMs };
    },
  });
}

/** A config naming the server `m`, at most `maxInFlight` requests at once (across workers, with a queue). */
export function writeConfig(dir: string, server: OpenAIServer, maxInFlight: number): string {
  const path = join(dir, "deliberate.config.yaml");
  writeFileSync(
    path,
    `models:\n  m:\n    openai:\n      model: test-model\n      baseURL: ${server.url}\n      maxInFlightPerEndpoint: ${maxInFlight}\n`,
  );
  return path;
}

/** The grid every test runs, locally or through a queue. */
export function gridPlan(config: string, out: string, queue?: string): EvalPlan {
  return parseEvalPlan({
    models: ["m"],
    strategies: [{ name: "self-consistency", options: { samples: 3 } }, "cot"],
    datasets: [datasetSpec],
    seeds: 2,
    grader: "sync",
    concurrency: 4,
    config,
    out,
    ...(queue ? { queue } : {}),
  });
}

/** The same flags for `deliberate eval`. */
export function gridFlags(config: string, out: string): string[] {
  return [
    "--config",
    config,
    "-m",
    "m",
    "-s",
    "self-consistency?samples=3",
    "-s",
    "cot",
    "-d",
    datasetSpec,
    "--seeds",
    "2",
    "--grader",
    "sync",
    "--concurrency",
    "4",
    "-o",
    out,
  ];
}

/** Everything in a record that does not measure time, keyed by (cell, item, seed), sorted. */
export async function comparableRecords(storePath: string): Promise<Array<[string, Partial<EvalRecord>]>> {
  const store = await openStore(storePath);
  try {
    const records = await store.records();
    return records
      .map((record): [string, Partial<EvalRecord>] => {
        const { wallMs: _wallMs, traceId: _traceId, ...rest } = record;
        return [`${record.cell}\u0000${record.itemId}\u0000${record.seed}`, rest];
      })
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  } finally {
    await store.close();
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Its stderr so far. */
  output(): string;
  /** Resolves once it says it is ready. */
  ready: Promise<void>;
  /** Resolves with its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

const bin = join(import.meta.dirname, "..", "..", "..", "bin", "deliberate.js");

/** `deliberate worker --queue URL ARGS` as a child process. */
export function spawnWorker(url: string, args: string[]): WorkerProcess {
  const child = spawn(process.execPath, [bin, "worker", "--queue", url, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
      if (/: ready on /.test(stderr)) resolve();
    });
    void exited.then((code) => reject(new Error(`worker exited ${code} before it was ready:\n${stderr}`)));
  });
  ready.catch(() => {});
  return { child, output: () => stderr, ready, exited };
}

/** Resolves when `check` holds, polling every 25 ms; fails naming `what` after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
