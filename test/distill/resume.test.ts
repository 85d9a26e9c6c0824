import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { loadDataset } from "../../src/eval/datasets/load-dataset.ts";
import { type OpenAIServerRequest, startOpenAIServer } from "../../src/testing/openai-server.ts";
import { mix32 } from "../../src/util/fnv1a.ts";
import { runCli } from "../helpers/cli.ts";

const bin = join(import.meta.dirname, "..", "..", "bin", "deliberate.js");
const problems = 24;
const datasetSpec = `synthetic:sums?difficulty=3&n=${problems}&seed=5`;

/** Problems the server answers while `closed`; requests for any other wait until it opens. */
const answeredBeforeKill = 8;

/**
 * Holds requests for problems past the first `answeredBeforeKill` while closed, so the killed run
 * stops at a known point whatever the machine's load.
 */
class Gate {
  private readonly allowed = new Set<string>();
  private opened = false;
  private readonly waiting: Array<() => void> = [];
  async pass(question: string): Promise<void> {
    if (this.opened || this.allowed.has(question)) return;
    if (this.allowed.size < answeredBeforeKill) {
      this.allowed.add(question);
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  open(): void {
    this.opened = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/**
 * A teacher behind a real OpenAI-compatible server: each choice's text is a function of the problem
 * and the sample's seed only, so any run (killed, resumed or whole) gets the same samples. Every
 * fifth problem is never solved without STaR's hint; with it, even seeds reason to the answer and
 * odd ones quote the hint.
 */
function reply(request: OpenAIServerRequest, golds: Map<string, string>) {
  const seed = Number(request.body.seed ?? 0);
  const question = [...golds.keys()].find((q) => request.prompt.includes(q));
  const hinted = request.prompt.includes("Hint:");
  const choices = Array.from({ length: request.n }, (_, i) => {
    const s = seed + i;
    if (question === undefined) return { text: "I do not know." };
    const gold = golds.get(question)!;
    const index = [...golds.keys()].indexOf(question);
    const right = hinted ? true : index % 5 !== 0 && mix32(s) % 3 !== 0;
    const answer = right ? gold : String(Number(gold) + 1 + (mix32(s) % 4));
    const quote = hinted && s % 2 === 1 ? `Hint: the answer is ${gold}. ` : "";
    return {
      text: `Adding in order ${mix32(s) % 97} with care. ${quote}So the total is \\boxed{${answer}}.`,
    };
  });
  return { choices };
}

function storedRecords(storePath: string): string[] {
  try {
    const db = new Database(storePath, { readonly: true, fileMustExist: true });
    try {
      return (
        db.prepare("SELECT item_id FROM results WHERE status = 'ok'").all() as { item_id: string }[]
      ).map((row) => row.item_id);
    } finally {
      db.close();
    }
  } catch {
    return []; // not created yet
  }
}

/** Every file of the dataset folder (not the store, not the eval passes' run folders), timestamps masked. */
function datasetFiles(dir: string): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  const files = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const name = relative(dir, path);
      if (entry.isDirectory()) {
        if (name !== "eval" && name !== "star") walk(path);
      } else if (!name.startsWith("store.sqlite")) {
        files.set(name, readFileSync(path, "latin1").replaceAll(manifest.createdAt, "<createdAt>"));
      }
    }
  };
  walk(dir);
  return files;
}

test("a distill run killed with SIGKILL resumes to byte-identical output, repeating no stored problem's model call", async () => {
  const dataset = await loadDataset(datasetSpec);
  const golds = new Map(dataset.items.map((item) => [item.question, item.gold]));
  // Open for the uninterrupted run and the resumed one; closed past a point for the run that is killed.
  let gate = new Gate();
  gate.open();
  const server = await startOpenAIServer({
    responder: async (request) => {
      const question = [...golds.keys()].find((q) => request.prompt.includes(q));
      if (question !== undefined) await gate.pass(question);
      return reply(request, golds);
    },
  });
  try {
    const args = (out: string) => [
      "distill",
      "--teacher",
      `openai:test-model@${server.url}`,
      "--dataset",
      datasetSpec,
      "-k",
      "4",
      "--star",
      "--concurrency",
      "2",
      "--grader",
      "sync",
      "--progress",
      "none",
      "--out",
      out,
    ];

    const reference = mkdtempSync(join(tmpdir(), "deliberate-distill-ref-"));
    const whole = await runCli(args(reference));
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(whole.stdout, new RegExp(`${problems} problems × 1 teacher`));

    const out = mkdtempSync(join(tmpdir(), "deliberate-distill-killed-"));
    gate = new Gate();
    const storePath = join(out, "store.sqlite");
    const child = spawn(process.execPath, [bin, ...args(out)], { stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    // Kill once every problem the server answered is stored, while the next ones wait on the gate.
    const deadline = Date.now() + 90_000;
    while (storedRecords(storePath).length < answeredBeforeKill && Date.now() < deadline) await sleep(20);
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL");
    const stored = storedRecords(storePath);
    assert.equal(
      stored.length,
      answeredBeforeKill,
      "killed part-way, after the answered problems were stored",
    );
    gate.open();

    const before = server.requests.length;
    const resumed = await runCli(args(out));
    assert.equal(resumed.code, 0, resumed.stderr);
    const counts = resumed.stdout.match(/(\d+) solved, (\d+) reused/);
    assert.ok(counts, resumed.stdout);
    assert.equal(Number(counts[2]), answeredBeforeKill, "the stored problems are reused");
    // No problem stored before the kill is asked again.
    const storedQuestions = new Set(
      dataset.items.filter((item) => stored.includes(item.id)).map((item) => item.question),
    );
    const asked = server.requests.slice(before).filter((r) => !r.prompt.includes("Hint:"));
    for (const request of asked) {
      assert.ok(
        ![...storedQuestions].some((q) => request.prompt.includes(q)),
        `asked again: ${request.prompt}`,
      );
    }

    const expected = datasetFiles(reference);
    const actual = datasetFiles(out);
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
    for (const [name, content] of expected) assert.equal(actual.get(name), content, `${name} differs`);
    // The setup exercises STaR both ways: rationales kept and rationales that quote the hint dropped.
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    assert.ok(manifest.counts.rationalized > 0, JSON.stringify(manifest.counts));
    const traces = readFileSync(join(out, "traces.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.ok(traces.some((t) => t.source === "star" && !t.correct));
  } finally {
    await server.close();
  }
});
