/**
 * The search measurement's builtin models (issue 18): the process reward model on `sums`, and the
 * `chain` family (generator, outcome verifier, PRM) — valid GGUFs under 10 MB with their manifest's
 * role, task and parameters, run on real llama.cpp through the `prm` step scorer and `generate`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { writePrmSamples } from "../../src/lab/train/prm-samples-file.ts";
import { builtinManifest, builtinModelPath, builtinTask } from "../../src/models/builtin.ts";
import { inspectGguf } from "../../src/models/gguf/inspect-gguf.ts";
import { ModelRegistry } from "../../src/models/registry.ts";
import type { ModelBackend } from "../../src/models/types.ts";
import { createLedger } from "../../src/run/ledger.ts";
import { generateSynthetic } from "../../src/tasks/index.ts";
import { TraceRecorder } from "../../src/trace/recorder.ts";
import { likelihoodPrm } from "../../src/verifiers/step-scorers/likelihood-prm.ts";
import { verifySteps } from "../../src/verifiers/step-scorers/verify-steps.ts";
import { easyAnswers } from "../helpers/easy-answers.ts";

const root = join(import.meta.dirname, "..", "..");
const registry = new ModelRegistry({ config: { models: {}, defaults: {} } as never, threads: 1 });
after(() => registry.close());

test("search builtins: each is a valid GGUF under 10 MB with its manifest's role, task and parameters", async () => {
  const byName = new Map(builtinManifest().models.map((m) => [m.name, m]));
  for (const [name, role, task] of [
    ["tiny-reasoner-prm", "prm", "sums"],
    ["tiny-chain", "generator", "chain"],
    ["tiny-chain-verifier", "verifier", "chain"],
    ["tiny-chain-prm", "prm", "chain"],
  ] as const) {
    const model = byName.get(name);
    assert.ok(model, `${name} is in the manifest`);
    assert.equal(model.role, role, name);
    assert.equal(builtinTask(model).name, task, name);
    const path = builtinModelPath(name);
    assert.ok(statSync(path).size <= 10 * 1024 * 1024, `${name} is at most 10 MB`);
    const inspection = await inspectGguf(path);
    assert.deepEqual(inspection.validation, { ok: true }, name);
    assert.equal(inspection.parameters, model.parameters, `${name}: the manifest's parameter count`);
  }
});

/** The `prm` step scorer on `steps` of `question`, with `prm` as the verifier backend. */
function scoreSteps(prm: ModelBackend, question: string, steps: string[], aggregation: "last" | "min") {
  const ctx = {
    backends: { policy: prm, verifier: prm },
    budget: {},
    seed: 0,
    ledger: createLedger(),
    trace: new TraceRecorder(),
  };
  const problem = { id: "builtin", messages: [{ role: "user" as const, content: question }] };
  return verifySteps(likelihoodPrm(), problem, steps, ctx, { aggregation });
}

/**
 * How many of `n` fresh level-6 `sums` problems the PRM scores the first three right steps above the
 * same steps with the third one adding a digit the question does not have, its arithmetic kept right
 * (`builtin:tiny-reasoner`'s commonest slip is a term that is not there or is used up).
 */
async function rightAboveWrongTerm(n: number, seed: number) {
  const prm = await registry.get("builtin:tiny-reasoner-prm");
  let wins = 0;
  for (const item of generateSynthetic("sums", { difficulty: 6, n, seed })) {
    const steps = item.solutions[0].split("\n");
    const [, a] = steps[2].match(/^(\d+)\+\d+=\d+$/) ?? [];
    assert.ok(a !== undefined, steps[2]);
    const terms = item.question.match(/\d/g)!.map(Number);
    const absent = [2, 3, 4, 5, 6, 7, 8, 9].find((d) => !terms.includes(d))!;
    const wrong = [...steps.slice(0, 2), `${a}+${absent}=${Number(a) + absent}`];
    const score = async (prefix: string[]) => (await scoreSteps(prm, item.question, prefix, "last")).value;
    if ((await score(steps.slice(0, 3))) > (await score(wrong))) wins++;
  }
  return wins;
}

test("builtin:tiny-reasoner-prm through the prm step scorer ranks a right step above a step adding a term that is not there", async () => {
  const wins = await rightAboveWrongTerm(40, 515);
  // Measured 29/40 (133/200 on another seed; the PRMs with one verdict per row: 28 and 24); by chance
  // 25 or more happens with p ≈ 0.08, so this asserts a PRM that reads the terms, with room for
  // another CPU's rounding.
  assert.ok(wins >= 25, `right above wrong in ${wins}/40`);
});

test("builtin:tiny-chain on llama.cpp answers fresh easy chains; its PRM gives every step prefix a probability", async () => {
  const model = await registry.get("builtin:tiny-chain");
  const correct = await easyAnswers(model, "chain", 60);
  // Measured 13/20; a digit by chance is right 1 time in 10.
  assert.ok(correct >= 8, `${correct}/20 correct`);
  // The chain PRM does not tell a misread operation from the right one (19/40 on the check above,
  // 101/200 on another seed: chance; the README says so), so this checks only what it returns: one
  // probability per step.
  const prm = await registry.get("builtin:tiny-chain-prm");
  const [item] = generateSynthetic("chain", { difficulty: 2, n: 1, seed: 424_242 });
  const steps = item.solutions[0].split("\n");
  const result = await scoreSteps(prm, item.question, steps, "min");
  assert.equal(result.scores.length, steps.length);
  for (const score of result.scores) assert.ok(score > 0 && score < 1, String(score));
});

test("scripts/prm-check.ts scores a PRM's held-out samples beside the position baseline", async () => {
  const dir = mkdtempSync(join(tmpdir(), "deliberate-prm-check-"));
  const [item] = generateSynthetic("sums", { difficulty: 6, n: 1, seed: 77 });
  const steps = item.solutions[0].split("\n");
  const sample = (values: number[], label: number) => ({
    problem: 0,
    question: item.question,
    answer: item.answer,
    text: steps.join("\n"),
    predicted: label ? item.answer : "0",
    label,
    steps,
    correct: values.map((v) => v * 8),
    rollouts: values.map((_, i) => (i === values.length - 1 ? 0 : 8)),
    values,
  });
  const n = steps.length;
  // One sample alive throughout, one dead from its third step on: position ranks the dead ones
  // (steps 3…n of the second) below every earlier step, and ties with the live ones at the same index.
  const live = sample(Array(n).fill(1), 1);
  const dying = sample([1, 1, ...Array(n - 2).fill(0)], 0);
  await writePrmSamples(join(dir, "prm-samples.jsonl"), { train: [], heldOut: [live, dying] });
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join(root, "scripts/prm-check.ts"), "builtin:tiny-reasoner-prm", dir],
    { encoding: "utf8", timeout: 120_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.solutions, 2);
  assert.equal(out.prefixes, 2 * n);
  // By hand: alive = n + 2 prefixes, dead = n − 2; a dead prefix at index i ≥ 2 loses to every live
  // prefix at an index < i and ties those at i.
  let wins = 0;
  for (let dead = 2; dead < n; dead++) {
    for (let alive = 0; alive < n; alive++) wins += alive < dead ? 1 : alive === dead ? 0.5 : 0;
    for (let alive = 0; alive < 2; alive++) wins += alive < dead ? 1 : 0;
  }
  assert.equal(out.positionAucHard, Math.round((wins / ((n + 2) * (n - 2))) * 1000) / 1000);
  assert.ok(out.stepAucHard >= 0 && out.stepAucHard <= 1, String(out.stepAucHard));
  assert.equal(typeof out.outcomeAuc.min, "number");
});
